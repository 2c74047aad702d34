"""The Twilio Messages API call Stay makes."""

import httpx

from .models import TwilioAccount


class TwilioError(Exception):
    def __init__(self, message: str, *, status: int = 0):
        super().__init__(message)
        self.status = status


def send_sms(account: TwilioAccount, *, to: str, body: str, status_callback: str = "", timeout: float = 15.0) -> str:
    """Send one SMS; returns its SID."""
    form = {"To": to, "From": account.from_number, "Body": body}
    if status_callback:
        form["StatusCallback"] = status_callback
    url = f"{account.api_base_url.rstrip('/')}/2010-04-01/Accounts/{account.account_sid}/Messages.json"
    try:
        response = httpx.post(url, data=form, auth=(account.account_sid, account.auth_token), timeout=timeout)
    except httpx.HTTPError as exc:
        raise TwilioError(f"could not reach Twilio: {exc}") from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("message", response.text[:200])
        except ValueError:
            detail = response.text[:200]
        raise TwilioError(f"Twilio {response.status_code}: {detail}", status=response.status_code)
    return str(response.json()["sid"])
