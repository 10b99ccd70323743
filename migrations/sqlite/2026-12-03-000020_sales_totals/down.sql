DROP TABLE shop_sales_days;
DROP TABLE category_sales_days;
DROP TABLE seller_sales_days;
