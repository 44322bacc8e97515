"""The embedded demo province: static sites served on 127.0.0.1 with answer keys."""
