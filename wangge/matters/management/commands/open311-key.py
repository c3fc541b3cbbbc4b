"""`wangge open311-key create --name NAME --jurisdiction CODE [--key KEY]` · `list` · `revoke PREFIX`

Issues, lists and revokes the API keys Open311 clients send as `api_key` (see docs/open311.md). A new
key is printed once and never stored. Bad input ends with exit code 2 (wangge.cli).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from wangge.matters.open311 import keys


class Command(BaseCommand):
    help = "Open311 API keys: create (printed once), list, revoke."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="issue a key for a client of one subdistrict")
        create.add_argument("--name", required=True, help="who the client is, e.g. “城西街道 FixMyStreet”")
        create.add_argument("--jurisdiction", required=True, help="the subdistrict's grid code (jurisdiction_id)")
        create.add_argument("--key", help="use this key instead of a random one (12–200 visible ASCII characters)")
        actions.add_parser("list", help="list clients: prefix, subdistrict, created, revoked")
        revoke = actions.add_parser("revoke", help="revoke a key, given its prefix (as listed) or the key")
        revoke.add_argument("prefix", help="the first characters of the key (at least 4) or the whole key")

    def handle(self, *args, action, **options):
        if action == "create":
            client, key = keys.client_create(
                name=options["name"], subdistrict_code=options["jurisdiction"], key=options.get("key")
            )
            self.stdout.write(f"已为“{client.name}”签发 Open311 密钥（街道 {client.subdistrict.code}）：")
            self.stdout.write(key)
            self.stdout.write("密钥只显示这一次，请妥善保存；吊销：wangge open311-key revoke " + client.prefix)
        elif action == "list":
            rows = list(keys.client_list())
            if not rows:
                self.stdout.write("还没有 Open311 客户端")
            for client in rows:
                state = f"已吊销 {timezone.localtime(client.revoked_at):%Y-%m-%d %H:%M}" if client.revoked_at else "有效"
                sub = client.subdistrict.code if client.subdistrict else "-"
                self.stdout.write(
                    f"{client.prefix:<8}  {sub:<10}  {timezone.localtime(client.created_at):%Y-%m-%d}  {state}  {client.name}"
                )
        else:
            client = keys.client_revoke(key_or_prefix=options["prefix"])
            self.stdout.write(f"已吊销“{client.name}”（{client.prefix}…）")
