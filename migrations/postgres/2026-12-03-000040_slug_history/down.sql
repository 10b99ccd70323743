DROP TABLE category_slug_history;
DROP TABLE product_slug_history;
