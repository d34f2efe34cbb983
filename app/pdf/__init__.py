"""PDF documents made with reportlab: certificates (and later reports and toolkit items)."""
