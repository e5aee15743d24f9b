"""Products (商品管理) and their suppliers (仕入先)."""
