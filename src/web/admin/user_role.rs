//! `/admin/users/{id}`: one account, with the form that changes its role. A role the account
//! cannot have is refused on the field (422); changing one's own role, or taking the seller role
//! from an open shop, is refused above the form (409).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts::Role;
use crate::admin::roles::{self, Account, RoleInput};
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal};

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    chrome: Chrome,
    account: Account,
    me: i64,
    roles: [Role; 3],
    /// The role chosen in a refused form.
    typed: Option<String>,
    errors: FieldErrors,
    problem: Option<String>,
}

impl UserPage {
    fn is_chosen(&self, role: &Role) -> bool {
        match &self.typed {
            Some(typed) => typed == role.as_str(),
            None => self.account.user.role == *role,
        }
    }
}

struct Refused {
    typed: String,
    errors: FieldErrors,
    problem: Option<String>,
    status: StatusCode,
}

async fn user_page(
    state: &AppState,
    chrome: Chrome,
    me: i64,
    user_id: i64,
    refused: Option<Refused>,
) -> WebResult<HttpResponse> {
    let account = state.db(move |conn| roles::account(conn, user_id)).await?;
    let (typed, errors, problem, status) = match refused {
        Some(r) => (Some(r.typed), r.errors, r.problem, r.status),
        None => (None, FieldErrors::default(), None, StatusCode::OK),
    };
    let page = UserPage {
        chrome,
        account,
        me,
        roles: [Role::Customer, Role::Seller, Role::Admin],
        typed,
        errors,
        problem,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    user_page(&state, chrome, me.id, path.into_inner(), None).await
}

pub(super) async fn change(
    frame: FrameCookie,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<RoleInput>,
) -> WebResult<HttpResponse> {
    let (user_id, form) = (path.into_inner(), form.into_inner());
    let refused = |errors, problem, status| Refused {
        typed: form.role.clone(),
        errors,
        problem,
        status,
    };
    let role = match roles::parse_role(&form) {
        Ok(role) => role,
        Err(errors) => {
            let refused = refused(errors, None, respond::INVALID);
            return user_page(&state, chrome, me.id, user_id, Some(refused)).await;
        }
    };
    let admin = actor(&req, &me);
    let result = state
        .db(move |conn| roles::change_role(conn, &admin, user_id, role))
        .await;
    let refused = match result {
        Ok(Ok(())) => {
            let done = format!(
                "Role set to {role}. The account was signed out everywhere, so the new role \
                 holds from its next sign-in."
            );
            return Ok(respond::done(
                &frame,
                done,
                &format!("/admin/users/{user_id}"),
            ));
        }
        Ok(Err(errors)) => refused(errors, None, respond::INVALID),
        Err(error) => {
            let refusal = Refusal::of(error)?;
            refused(
                FieldErrors::default(),
                Some(refusal.message),
                refusal.status,
            )
        }
    };
    user_page(&state, chrome, me.id, user_id, Some(refused)).await
}
