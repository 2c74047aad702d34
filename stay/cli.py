"""``stay``: the operator's command. Each subcommand is a Django management command, so
``stay <command> --help`` documents itself; Django's own commands (migrate, createsuperuser,
shell, …) work too."""

import os
import sys

OPERATOR_COMMANDS = {
    "serve": ("serve", "Serve the web app (ASGI) and the background worker together."),
    "demo": ("demo", "Build the demo sports-and-outdoor store (deterministic from a seed)."),
    "import": ("importdata", "Backfill a store from Shopify-format JSON / JSON lines or an orders CSV."),
    "replay": ("replay", "Push an orders CSV through the store's webhook endpoint at N times real time."),
    "insights": ("insights", "Insights: rebuild recounts the buyers' summaries from the orders."),
    "createstore": ("createstore", "Connect a storefront and print its webhook URL."),
    "token": ("token", "Print a new API token for a user."),
    "ensureadmin": ("ensureadmin", "Create the admin user if there is none, and print its password."),
    "issuecards": ("issuecards", "Issue gift cards in bulk from a CSV and write their codes out."),
    "assistant": ("assistant", "Measure the assistant: eval FILE.csv, or bench --train T.csv --test E.csv."),
    "smtpd": ("smtpd", "Receive email for the stores' mailboxes over SMTP (--port N)."),
    "privacy": ("privacy", "A customer's personal data: export it (JSON) or erase it, audited."),
    "migrate": ("migrate", "Create or upgrade the database tables."),
}


def usage() -> str:
    width = max(len(name) for name in OPERATOR_COMMANDS)
    lines = [
        "usage: stay <command> [options]     (stay <command> --help for its options)",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {text}" for name, (_, text) in OPERATOR_COMMANDS.items()),
        "",
        "Every Django management command is available too (e.g. stay createsuperuser, stay shell).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stay.settings.base")
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return
    if args[0] in ("--version", "version"):
        from stay import __version__

        print(f"stay {__version__}")
        return
    command = OPERATOR_COMMANDS.get(args[0], (args[0], ""))[0]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stay", command, *args[1:]])


if __name__ == "__main__":
    main()
