// Hand-kept mirror of migrations/{sqlite,postgres}; tests load every table on both backends to keep it true.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        first_name -> Text,
        last_name -> Text,
        phone -> Nullable<Text>,
        role -> Text,
        status -> Text,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        password_changed_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    user_recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        client_ip -> Text,
        succeeded -> Bool,
        created_at -> Timestamp,
        purpose -> Text,
    }
}

diesel::table! {
    email_changes (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        new_email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    pending_registrations (id) {
        id -> BigInt,
        token_hash -> Text,
        email -> Text,
        first_name -> Text,
        last_name -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    addresses (id) {
        id -> BigInt,
        user_id -> BigInt,
        label -> Text,
        full_name -> Text,
        line1 -> Text,
        line2 -> Nullable<Text>,
        city -> Text,
        region -> Text,
        postal_code -> Text,
        country -> Text,
        phone -> Nullable<Text>,
        is_default -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_methods (id) {
        id -> BigInt,
        user_id -> BigInt,
        gateway_token -> Text,
        brand -> Text,
        last4 -> Text,
        exp_month -> Integer,
        exp_year -> Integer,
        is_default -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<BigInt>,
        details -> Text,
        client_ip -> Nullable<Text>,
        created_at -> Timestamp,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    sellers (id) {
        id -> BigInt,
        user_id -> BigInt,
        display_name -> Text,
        slug -> Text,
        contact_email -> Text,
        commission_bps -> Integer,
        payout_account -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        name -> Text,
        slug -> Text,
        description -> Text,
        path -> Text,
        depth -> Integer,
        position -> Integer,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        seller_id -> BigInt,
        primary_category_id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Text,
        status -> Text,
        is_featured -> Bool,
        price_min -> BigInt,
        price_max -> BigInt,
        in_stock -> Bool,
        rating_avg -> Integer,
        rating_count -> Integer,
        rating_sum -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        held_at -> Nullable<Timestamp>,
        rating_1 -> Integer,
        rating_2 -> Integer,
        rating_3 -> Integer,
        rating_4 -> Integer,
        rating_5 -> Integer,
        version -> Integer,
    }
}

diesel::table! {
    product_variants (id) {
        id -> BigInt,
        product_id -> BigInt,
        sku -> Text,
        name -> Text,
        options -> Text,
        price -> BigInt,
        compare_at_price -> Nullable<BigInt>,
        stock -> Integer,
        reorder_point -> Integer,
        weight_grams -> Nullable<Integer>,
        position -> Integer,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        held -> Integer,
    }
}

diesel::table! {
    stock_holds (user_id, variant_id) {
        user_id -> BigInt,
        variant_id -> BigInt,
        quantity -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    product_categories (product_id, category_id) {
        product_id -> BigInt,
        category_id -> BigInt,
    }
}

diesel::table! {
    product_images (id) {
        id -> BigInt,
        product_id -> BigInt,
        url -> Text,
        alt_text -> Text,
        position -> Integer,
        created_at -> Timestamp,
        content_hash -> Nullable<Text>,
        encoding -> Nullable<Text>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
    }
}

diesel::table! {
    price_history (id) {
        id -> BigInt,
        variant_id -> BigInt,
        old_price -> Nullable<BigInt>,
        new_price -> BigInt,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    reviews (id) {
        id -> BigInt,
        user_id -> BigInt,
        product_id -> BigInt,
        rating -> Integer,
        title -> Text,
        body -> Text,
        status -> Text,
        is_verified_purchase -> Bool,
        moderated_by -> Nullable<BigInt>,
        moderated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wishlist_items (id) {
        id -> BigInt,
        user_id -> BigInt,
        product_id -> BigInt,
        added_at -> Timestamp,
    }
}

diesel::table! {
    search_outbox (id) {
        id -> BigInt,
        product_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    search_outbox_pruned (id) {
        id -> Integer,
        up_to -> BigInt,
    }
}

diesel::table! {
    shipping_methods (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        price -> BigInt,
        free_over -> Nullable<BigInt>,
        min_days -> Integer,
        max_days -> Integer,
        is_active -> Bool,
        position -> Integer,
        version -> Integer,
    }
}

diesel::table! {
    tax_rates (id) {
        id -> BigInt,
        country -> Text,
        region -> Text,
        name -> Text,
        rate_bps -> Integer,
        version -> Integer,
    }
}

diesel::table! {
    promotions (id) {
        id -> BigInt,
        code -> Text,
        description -> Text,
        discount_kind -> Text,
        percent_bps -> Nullable<Integer>,
        amount_off -> Nullable<BigInt>,
        min_subtotal -> BigInt,
        max_uses -> Nullable<Integer>,
        uses_count -> Integer,
        per_customer_limit -> Integer,
        scope -> Text,
        scope_category_id -> Nullable<BigInt>,
        scope_product_id -> Nullable<BigInt>,
        valid_from -> Timestamp,
        valid_until -> Timestamp,
        is_active -> Bool,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    carts (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        session_token -> Nullable<Text>,
        promotion_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cart_items (id) {
        id -> BigInt,
        cart_id -> BigInt,
        variant_id -> BigInt,
        quantity -> Integer,
        unit_price -> BigInt,
        added_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        number -> Text,
        user_id -> BigInt,
        status -> Text,
        currency -> Text,
        subtotal -> BigInt,
        discount_total -> BigInt,
        shipping_total -> BigInt,
        tax_total -> BigInt,
        grand_total -> BigInt,
        promotion_id -> Nullable<BigInt>,
        promotion_code -> Nullable<Text>,
        shipping_method_id -> Nullable<BigInt>,
        shipping_method_name -> Text,
        shipping_address_id -> Nullable<BigInt>,
        ship_name -> Text,
        ship_line1 -> Text,
        ship_line2 -> Nullable<Text>,
        ship_city -> Text,
        ship_region -> Text,
        ship_postal_code -> Text,
        ship_country -> Text,
        payment_method_id -> Nullable<BigInt>,
        idempotency_key -> Text,
        tracking_number -> Nullable<Text>,
        payment_expires_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        staff_note -> Varchar,
        note_version -> Integer,
    }
}

diesel::table! {
    order_items (id) {
        id -> BigInt,
        order_id -> BigInt,
        variant_id -> BigInt,
        product_id -> BigInt,
        seller_id -> BigInt,
        product_name -> Text,
        variant_name -> Text,
        sku -> Text,
        unit_price -> BigInt,
        quantity -> Integer,
        line_subtotal -> BigInt,
        discount -> BigInt,
        tax_rate_bps -> Integer,
        tax -> BigInt,
        line_total -> BigInt,
        cancelled_at -> Nullable<Timestamp>,
        returned_quantity -> Integer,
        refunded_amount -> BigInt,
    }
}

diesel::table! {
    order_status_history (id) {
        id -> BigInt,
        order_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> Nullable<BigInt>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    promotion_redemptions (id) {
        id -> BigInt,
        promotion_id -> BigInt,
        user_id -> BigInt,
        order_id -> Nullable<BigInt>,
        reversed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inventory_movements (id) {
        id -> BigInt,
        variant_id -> BigInt,
        delta -> Integer,
        reason -> Text,
        order_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        order_id -> BigInt,
        payment_method_id -> Nullable<BigInt>,
        gateway -> Text,
        idempotency_key -> Text,
        gateway_reference -> Nullable<Text>,
        status -> Text,
        amount -> BigInt,
        currency -> Text,
        card_brand -> Nullable<Text>,
        card_last4 -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        refunded_amount -> BigInt,
    }
}

diesel::table! {
    refunds (id) {
        id -> BigInt,
        payment_id -> BigInt,
        order_id -> BigInt,
        amount -> BigInt,
        reason -> Text,
        status -> Text,
        gateway_reference -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        order_item_id -> Nullable<BigInt>,
        return_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    seller_payouts (id) {
        id -> BigInt,
        seller_id -> BigInt,
        period_start -> Timestamp,
        period_end -> Timestamp,
        gross -> BigInt,
        commission -> BigInt,
        net -> BigInt,
        status -> Text,
        reference -> Nullable<Text>,
        created_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shipments (id) {
        id -> BigInt,
        order_id -> BigInt,
        seller_id -> BigInt,
        status -> Text,
        carrier -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        packed_at -> Nullable<Timestamp>,
        shipped_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    returns (id) {
        id -> BigInt,
        order_id -> BigInt,
        order_item_id -> BigInt,
        user_id -> BigInt,
        seller_id -> BigInt,
        quantity -> Integer,
        reason -> Text,
        status -> Text,
        seller_message -> Text,
        restock -> Bool,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        received_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payout_lines (id) {
        id -> BigInt,
        payout_id -> BigInt,
        order_item_id -> Nullable<BigInt>,
        sales -> BigInt,
        refunded -> BigInt,
        commission -> BigInt,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    seller_sales_days (seller_id, day) {
        seller_id -> BigInt,
        day -> Date,
        orders -> BigInt,
        units -> BigInt,
        gross -> BigInt,
        revenue -> BigInt,
    }
}

diesel::table! {
    category_sales_days (category_id, day) {
        category_id -> BigInt,
        day -> Date,
        units -> BigInt,
        revenue -> BigInt,
    }
}

diesel::table! {
    shop_sales_days (day) {
        day -> Date,
        orders -> BigInt,
        units -> BigInt,
        revenue -> BigInt,
    }
}

diesel::joinable!(user_recovery_codes -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(email_changes -> users (user_id));
diesel::joinable!(payment_methods -> users (user_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(sellers -> users (user_id));
diesel::joinable!(products -> sellers (seller_id));
diesel::joinable!(products -> categories (primary_category_id));
diesel::joinable!(product_variants -> products (product_id));
diesel::joinable!(product_categories -> products (product_id));
diesel::joinable!(product_categories -> categories (category_id));
diesel::joinable!(product_images -> products (product_id));
diesel::joinable!(price_history -> product_variants (variant_id));
diesel::joinable!(price_history -> users (changed_by));
diesel::joinable!(reviews -> products (product_id));
diesel::joinable!(wishlist_items -> users (user_id));
diesel::joinable!(wishlist_items -> products (product_id));
diesel::joinable!(promotions -> categories (scope_category_id));
diesel::joinable!(promotions -> products (scope_product_id));
diesel::joinable!(carts -> users (user_id));
diesel::joinable!(carts -> promotions (promotion_id));
diesel::joinable!(cart_items -> carts (cart_id));
diesel::joinable!(cart_items -> product_variants (variant_id));
diesel::joinable!(orders -> users (user_id));
diesel::joinable!(orders -> promotions (promotion_id));
diesel::joinable!(orders -> shipping_methods (shipping_method_id));
diesel::joinable!(orders -> addresses (shipping_address_id));
diesel::joinable!(orders -> payment_methods (payment_method_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(order_items -> product_variants (variant_id));
diesel::joinable!(order_items -> products (product_id));
diesel::joinable!(order_items -> sellers (seller_id));
diesel::joinable!(seller_sales_days -> sellers (seller_id));
diesel::joinable!(category_sales_days -> categories (category_id));
diesel::joinable!(order_status_history -> orders (order_id));
diesel::joinable!(order_status_history -> users (actor_id));
diesel::joinable!(promotion_redemptions -> promotions (promotion_id));
diesel::joinable!(promotion_redemptions -> users (user_id));
diesel::joinable!(promotion_redemptions -> orders (order_id));
diesel::joinable!(inventory_movements -> product_variants (variant_id));
diesel::joinable!(stock_holds -> product_variants (variant_id));
diesel::joinable!(stock_holds -> users (user_id));
diesel::joinable!(inventory_movements -> orders (order_id));
diesel::joinable!(inventory_movements -> users (actor_id));
diesel::joinable!(payments -> orders (order_id));
diesel::joinable!(payments -> payment_methods (payment_method_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(refunds -> orders (order_id));
diesel::joinable!(refunds -> users (created_by));
diesel::joinable!(seller_payouts -> sellers (seller_id));

diesel::joinable!(shipments -> orders (order_id));
diesel::joinable!(shipments -> sellers (seller_id));
diesel::joinable!(returns -> orders (order_id));
diesel::joinable!(returns -> order_items (order_item_id));
diesel::joinable!(returns -> users (user_id));
diesel::joinable!(returns -> sellers (seller_id));
diesel::joinable!(refunds -> order_items (order_item_id));
diesel::joinable!(refunds -> returns (return_id));
diesel::joinable!(payout_lines -> seller_payouts (payout_id));
diesel::joinable!(payout_lines -> order_items (order_item_id));

diesel::table! {
    product_imports (id) {
        id -> BigInt,
        seller_id -> BigInt,
        user_id -> BigInt,
        filename -> Text,
        source -> Text,
        total_rows -> Integer,
        rows_applied -> Integer,
        changes_applied -> Integer,
        status -> Text,
        failure -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(product_imports -> sellers (seller_id));

diesel::table! {
    product_slug_history (slug) {
        slug -> Text,
        product_id -> BigInt,
        retired_at -> Timestamp,
    }
}

diesel::joinable!(product_slug_history -> products (product_id));

diesel::table! {
    category_slug_history (slug) {
        slug -> Text,
        category_id -> BigInt,
        retired_at -> Timestamp,
    }
}

diesel::joinable!(category_slug_history -> categories (category_id));

diesel::table! {
    payment_events (id) {
        id -> Text,
        kind -> Text,
        received_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_recovery_codes,
    sessions,
    login_attempts,
    pending_registrations,
    password_resets,
    email_changes,
    addresses,
    payment_methods,
    audit_log,
    sellers,
    categories,
    products,
    product_variants,
    stock_holds,
    product_categories,
    product_images,
    price_history,
    reviews,
    wishlist_items,
    search_outbox,
    search_outbox_pruned,
    shipping_methods,
    tax_rates,
    promotions,
    carts,
    cart_items,
    orders,
    order_items,
    order_status_history,
    promotion_redemptions,
    inventory_movements,
    payments,
    refunds,
    seller_payouts,
    shipments,
    returns,
    payout_lines,
    mail_outbox,
    product_imports,
    product_slug_history,
    category_slug_history,
    seller_sales_days,
    category_sales_days,
    shop_sales_days,
    payment_events,
);
