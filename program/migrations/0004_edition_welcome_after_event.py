from django.db import migrations, models

THANKS = "Thank you for attending"


def move_thanks_after_the_event(apps, schema_editor):
    """A welcome that thanks attendees is only true after the event: keep its words, shown then."""
    Edition = apps.get_model("program", "Edition")
    for edition in Edition.objects.filter(welcome__startswith=THANKS, welcome_after_event=""):
        edition.welcome_after_event, edition.welcome = edition.welcome, ""
        edition.save(update_fields=["welcome", "welcome_after_event"])


def move_thanks_back(apps, schema_editor):
    Edition = apps.get_model("program", "Edition")
    for edition in Edition.objects.filter(welcome="", welcome_after_event__startswith=THANKS):
        edition.welcome, edition.welcome_after_event = edition.welcome_after_event, ""
        edition.save(update_fields=["welcome", "welcome_after_event"])


class Migration(migrations.Migration):

    dependencies = [
        ("program", "0003_edition_review_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="edition",
            name="welcome_after_event",
            field=models.TextField(
                blank=True,
                help_text="Shown instead of the welcome once the event is over (“Thank you for attending…”).",
            ),
        ),
        migrations.RunPython(move_thanks_after_the_event, move_thanks_back),
    ]
