from django.apps import AppConfig


class MacrosConfig(AppConfig):
    name = "tierdesk.macros"
    label = "macros"
    verbose_name = "Macros and signatures"

    def ready(self) -> None:
        from tierdesk.macros import selectors, services
        from tierdesk.tickets import sections

        # The reply box's macro picker and signature choice (staff only).
        sections.contribute_page(
            "macros", resolve=selectors.reply_block, template="macros/_picker.html", slot="reply"
        )
        sections.contribute_reply_finisher("signature", services.sign_reply)
