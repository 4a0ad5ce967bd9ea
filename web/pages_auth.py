"""The login and logout pages, and the landing redirect of ``/``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from web.app import page
from web.auth import SESSION_COOKIE, CurrentUser, LoginRefused, authenticate, new_csrf_token, start_session
from web.deps import check_csrf, forget_session, get_db, optional_user, session_data
from web.page_helpers import _safe_next, set_session

router = APIRouter()


@router.get("/", include_in_schema=False)
def root(user: CurrentUser | None = Depends(optional_user)) -> Response:
    from web.accounts import landing_for  # each role lands on its own page

    return RedirectResponse(landing_for(user) if user else "/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/", username: str = "", organisation: str = "", done: str = "") -> Response:
    data = session_data(request)
    token = data["c"] if data and data.get("c") else new_csrf_token()
    response = page(request, "login.html", {"user": None, "next": _safe_next(next), "error": None, "csrf": token,
                                            "username": username, "organisation": organisation, "done": bool(done)})
    if not (data and data.get("c")):
        set_session(request, response, {"u": None, "o": None, "c": token})
    return response


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    organisation: str = Form(""),
    next: str = Form("/"),
    db: Session = Depends(get_db),
) -> Response:
    try:
        officer = authenticate(db, request.app.state.login_throttle, username, password, organisation,
                               request.client.host if request.client else None)
    except LoginRefused as refused:
        # A fresh CSRF token after every attempt as well as at login.
        token = new_csrf_token()
        # The username stays typed; the organisations are offered only once the password matched.
        response = page(request, "login.html", {"user": None, "next": _safe_next(next), "error": refused.message, "csrf": token,
                                                "username": username.strip(), "organisation": organisation.strip(),
                                                "choices": refused.choices}, status_code=refused.status)
        set_session(request, response, {"u": None, "o": None, "c": token})
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A fresh CSRF token at login: a token seen before login is worthless after it.
    set_session(request, response, {"u": officer.id, "o": officer.organisation_id, "c": new_csrf_token(),
                                    "s": start_session(db, officer)})
    return response


@router.post("/logout", include_in_schema=False, dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    forget_session(request)  # a copied cookie stops working too
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
