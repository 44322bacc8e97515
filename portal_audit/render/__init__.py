"""Stage 2, render: a real browser for what static HTML cannot show (JavaScript menus, later axe-core)."""
