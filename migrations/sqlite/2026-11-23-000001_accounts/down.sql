DROP TABLE audit_log;
DROP TABLE payment_methods;
DROP TABLE addresses;
DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE user_recovery_codes;
DROP TABLE users;
