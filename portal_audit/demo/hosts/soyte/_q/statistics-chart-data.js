var nvStatisticsChart = {"year": 2026, "months": ["7", "8", "9", "10", "11"], "hits": [268410, 254902, 271355, 289017, 301884]};
