DROP TABLE order_archives;
