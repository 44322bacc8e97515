/* Bộ đếm lượt truy cập dùng chung của Cổng Thông tin điện tử tỉnh, nhúng vào trang của các sở, ngành.
   Demo: không làm gì (chỉ để trang nhúng nó có một tài nguyên http:// thật). */
window.tgThongKeTruyCap = window.tgThongKeTruyCap || {daNap: true};
