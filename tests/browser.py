"""Helpers for the browser tests."""
def browser_login(page, base_url: str, username: str, password: str = "correct-horse-9") -> None:
    """Log in on the site's login page as `username` (a fresh session each time)."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
