import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'admin' superuser if no superuser exists, and print how to log in."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        # The generated password is kept beside the database (mode 600) so a second
        # `make run` can print it again; change it in the admin and delete the file.
        password_file = settings.DATA_DIR / "admin_password"
        users = get_user_model().objects
        url = f"{settings.PUBLIC_URL}/admin/"
        if users.filter(is_superuser=True).exists():
            if password_file.exists() and users.filter(username=o["username"]).exists():
                self.stdout.write(f"Admin: {url}  user {o['username']}  password {password_file.read_text().strip()}")
            else:
                self.stdout.write(f"Admin: {url}  (log in with your superuser)")
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=o["username"], email="", password=password)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(f"Admin: {url}  user {o['username']}  password {password}")
