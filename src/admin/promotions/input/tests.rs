//! What a promotion form may hold: every rule of `PromotionInput::parse`, accepted and refused.

use super::*;

fn fields() -> PromotionFields {
    PromotionFields {
        code: " spring-25_a ".into(),
        description: "Spring sale".into(),
        kind: "percentage".into(),
        percent: "12.5".into(),
        amount_off: String::new(),
        min_subtotal: "20".into(),
        valid_from: "2026-03-01T00:00".into(),
        valid_until: "2026-04-01T00:00".into(),
        max_uses: String::new(),
        per_customer_limit: "2".into(),
        scope: "site".into(),
        category: String::new(),
        product: String::new(),
        version: String::new(),
    }
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, LOCAL_MINUTES).unwrap()
}

#[test]
fn a_good_form_parses_with_the_code_upper_cased() {
    let input = PromotionInput::parse(&fields()).unwrap();
    assert_eq!(input.code, "SPRING-25_A");
    assert_eq!(input.amount, Amount::Percent(1250));
    assert_eq!(input.min_subtotal, Money::from_minor(2000));
    assert_eq!(
        (input.valid_from, input.valid_until),
        (at("2026-03-01T00:00"), at("2026-04-01T00:00"))
    );
    assert_eq!((input.max_uses, input.per_customer_limit), (None, 2));
    assert_eq!(input.scope, Scope::Site);
}

#[test]
fn each_kind_and_scope_parses() {
    let mut f = fields();
    f.kind = "fixed_amount".into();
    f.amount_off = "$5".into();
    f.max_uses = "100".into();
    f.min_subtotal = String::new();
    f.valid_until = "2026-03-01T00:01:30".into();
    f.scope = "category".into();
    f.category = "7".into();
    let input = PromotionInput::parse(&f).unwrap();
    assert_eq!(input.amount, Amount::Fixed(Money::from_minor(500)));
    assert_eq!(
        (input.max_uses, input.min_subtotal),
        (Some(100), Money::ZERO)
    );
    assert_eq!(input.scope, Scope::Category(7));
    f.scope = "product".into();
    let product = |typed: &str, f: &mut PromotionFields| {
        f.product = typed.into();
        PromotionInput::parse(f).unwrap().scope
    };
    let slug = |slug: &str, id| {
        Scope::Product(ProductRef {
            slug: slug.into(),
            id,
        })
    };
    assert_eq!(
        product("Copper-Kettle", &mut f),
        slug("copper-kettle", None)
    );
    assert_eq!(
        product("http://shop.test/p/copper-kettle/", &mut f),
        slug("copper-kettle", None)
    );
    assert_eq!(product(" 42 ", &mut f), slug("42", Some(42)));
}

#[test]
fn percentages_are_basis_points_from_one_to_ten_thousand() {
    let bps = |typed: &str| {
        let mut f = fields();
        f.percent = typed.into();
        PromotionInput::parse(&f).ok().map(|input| input.amount)
    };
    assert_eq!(bps("100"), Some(Amount::Percent(10_000)));
    assert_eq!(bps("0.01"), Some(Amount::Percent(1)));
    assert_eq!(bps("15 %"), Some(Amount::Percent(1500)));
    for bad in ["0", "0.00", "100.01", "12.345", "-5", "1e2", "", "ten"] {
        assert_eq!(bps(bad), None, "{bad}");
    }
}

type Spoil = fn(&mut PromotionFields);

#[test]
fn bad_fields_are_each_named() {
    let cases: [(&str, Spoil); 19] = [
        ("code", |f| f.code = "".into()),
        ("code", |f| f.code = "TWO WORDS".into()),
        ("code", |f| f.code = "ÉTÉ".into()),
        ("code", |f| f.code = "X".repeat(CODE_MAX + 1)),
        ("description", |f| f.description = "a\u{0}b".into()),
        ("kind", |f| f.kind = "bogo".into()),
        ("amount_off", |f| {
            f.kind = "fixed_amount".into();
            f.amount_off = "0".into();
        }),
        ("amount_off", |f| {
            f.kind = "fixed_amount".into();
            f.amount_off = "5,00".into();
        }),
        ("min_subtotal", |f| f.min_subtotal = "-1".into()),
        ("valid_from", |f| f.valid_from = "yesterday".into()),
        ("valid_until", |f| f.valid_until = "2026-02-30T00:00".into()),
        ("valid_until", |f| f.valid_until = f.valid_from.clone()),
        ("valid_until", |f| f.valid_until = "2026-02-01T00:00".into()),
        ("max_uses", |f| f.max_uses = "0".into()),
        ("per_customer_limit", |f| f.per_customer_limit = "0".into()),
        ("per_customer_limit", |f| f.per_customer_limit = "".into()),
        ("scope", |f| f.scope = "planet".into()),
        ("category", |f| {
            f.scope = "category".into();
            f.category = "-3".into();
        }),
        ("product", |f| {
            f.scope = "product".into();
            f.product = "kettle; drop table".into();
        }),
    ];
    for (field, spoil) in cases {
        let mut f = fields();
        spoil(&mut f);
        let errors = PromotionInput::parse(&f).unwrap_err();
        assert!(errors.get(field).is_some(), "{field}: {errors:?}");
    }
}

#[test]
fn a_stored_promotion_fills_the_form_it_came_from() {
    let input = PromotionInput::parse(&fields()).unwrap();
    let stored = Promotion {
        id: 1,
        code: input.code.clone(),
        description: input.description.clone(),
        discount_kind: DiscountKind::Percentage,
        percent_bps: Some(1250),
        amount_off: None,
        min_subtotal: 2000,
        max_uses: None,
        uses_count: 0,
        per_customer_limit: 2,
        scope: PromotionScope::Site,
        scope_category_id: None,
        scope_product_id: None,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        is_active: true,
        created_at: input.valid_from,
        version: 1,
    };
    let again = PromotionInput::parse(&PromotionFields::of(&stored, None)).unwrap();
    assert_eq!(again, input);
}
