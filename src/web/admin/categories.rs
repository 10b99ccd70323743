//! `/admin/categories`: the category tree with a create form, and each category's edit page
//! (rename, move, delete). A form with problems is shown again with its messages, 422.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::admin::categories::{self, CategoryInput, Name, NewCategory, TreeRow};
use crate::db::models::Category;
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::respond;

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct TreePage {
    chrome: Chrome,
    tree: Vec<TreeRow>,
    form: CategoryInput,
    errors: FieldErrors,
}

impl TreePage {
    fn indent(&self, category: &Category) -> String {
        indent(category)
    }

    fn is_parent(&self, category: &Category) -> bool {
        self.form.parent == category.id.to_string()
    }
}

fn indent(category: &Category) -> String {
    "\u{a0}\u{a0}\u{a0}\u{a0}".repeat(usize::try_from(category.depth).unwrap_or(0))
}

async fn tree_page(
    state: &AppState,
    chrome: Chrome,
    form: CategoryInput,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let tree = state.db(categories::tree).await?;
    let page = TreePage {
        chrome,
        tree,
        form,
        errors,
    };
    respond::page_with(&page, status)
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
) -> WebResult<HttpResponse> {
    let form = CategoryInput::default();
    tree_page(&state, chrome, form, FieldErrors::default(), StatusCode::OK).await
}

pub(super) async fn create(
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let new = match NewCategory::parse(&form) {
        Ok(new) => new,
        Err(errors) => return tree_page(&state, chrome, form, errors, respond::INVALID).await,
    };
    let actor = actor(&req, &me);
    match state
        .db_changing_catalog(move |conn| categories::create(conn, &actor, &new))
        .await?
    {
        Ok(id) => Ok(respond::done(
            &session,
            "Category created.",
            &format!("/admin/categories/{id}"),
        )),
        Err(errors) => tree_page(&state, chrome, form, errors, respond::INVALID).await,
    }
}

/// Which of the edit page's forms failed, with what was typed.
enum Failed {
    Rename(String),
    Move(String),
}

#[derive(Template)]
#[template(path = "admin/category_edit.html")]
struct EditPage {
    chrome: Chrome,
    category: Category,
    tree: Vec<TreeRow>,
    failed: Option<Failed>,
    errors: FieldErrors,
}

impl EditPage {
    fn indent(&self, category: &Category) -> String {
        indent(category)
    }

    fn name_value(&self) -> &str {
        match &self.failed {
            Some(Failed::Rename(typed)) => typed,
            _ => &self.category.name,
        }
    }

    fn is_parent(&self, category: &Category) -> bool {
        match &self.failed {
            Some(Failed::Move(typed)) => *typed == category.id.to_string(),
            _ => self.category.parent_id == Some(category.id),
        }
    }

    fn at_top(&self) -> bool {
        match &self.failed {
            Some(Failed::Move(typed)) => typed.trim().is_empty(),
            _ => self.category.parent_id.is_none(),
        }
    }
}

async fn edit_page(
    state: &AppState,
    chrome: Chrome,
    id: i64,
    failed: Option<(Failed, FieldErrors)>,
) -> WebResult<HttpResponse> {
    let (category, tree) = state
        .db(move |conn| Ok((categories::find(conn, id)?, categories::tree(conn)?)))
        .await?;
    let (failed, errors, status) = match failed {
        Some((failed, errors)) => (Some(failed), errors, respond::INVALID),
        None => (None, FieldErrors::default(), StatusCode::OK),
    };
    let page = EditPage {
        chrome,
        category,
        tree,
        failed,
        errors,
    };
    respond::page_with(&page, status)
}

pub(super) async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    edit_page(&state, chrome, path.into_inner(), None).await
}

pub(super) async fn rename(
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner().name);
    let name = match Name::parse(&typed) {
        Ok(name) => name,
        Err(errors) => {
            return edit_page(&state, chrome, id, Some((Failed::Rename(typed), errors))).await;
        }
    };
    let actor = actor(&req, &me);
    match state
        .db_changing_catalog(move |conn| categories::rename(conn, &actor, id, &name))
        .await?
    {
        Ok(()) => Ok(respond::done(
            &session,
            "Category renamed.",
            &format!("/admin/categories/{id}"),
        )),
        Err(errors) => edit_page(&state, chrome, id, Some((Failed::Rename(typed), errors))).await,
    }
}

pub(super) async fn move_to(
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    chrome: Chrome,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<CategoryInput>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner().parent);
    let parent_id = match categories::parse_parent(&typed) {
        Ok(parent_id) => parent_id,
        Err(errors) => {
            return edit_page(&state, chrome, id, Some((Failed::Move(typed), errors))).await;
        }
    };
    let actor = actor(&req, &me);
    match state
        .db_changing_catalog(move |conn| categories::move_subtree(conn, &actor, id, parent_id))
        .await?
    {
        Ok(()) => Ok(respond::done(
            &session,
            "Category moved with everything beneath it.",
            &format!("/admin/categories/{id}"),
        )),
        Err(errors) => edit_page(&state, chrome, id, Some((Failed::Move(typed), errors))).await,
    }
}

pub(super) async fn delete(
    session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let (id, actor) = (path.into_inner(), actor(&req, &me));
    state
        .db_changing_catalog(move |conn| categories::delete(conn, &actor, id))
        .await?;
    Ok(respond::done(
        &session,
        "Category deleted.",
        "/admin/categories",
    ))
}
