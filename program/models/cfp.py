"""The call for participation of an edition and its topics of interest."""
from django.db import models


class CallForParticipation(models.Model):
    edition = models.OneToOneField("program.Edition", on_delete=models.CASCADE, related_name="cfp")
    introduction = models.TextField(help_text="Why the call exists; paragraphs separated by a blank line.")
    invitation = models.TextField(blank=True, help_text="Who is invited to submit what.")
    topics_intro = models.CharField(max_length=300, default="Topics of interest include but are not limited to:")
    page_limit = models.PositiveSmallIntegerField(default=2, help_text="Most pages a submission may have.")
    formatting_rule = models.CharField(
        max_length=300, blank=True,
        help_text="For example “following the same formatting guidelines as the conference”.",
    )
    presentation_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Length of the pre-recorded presentation of an accepted paper."
    )
    presentation_note = models.TextField(blank=True, help_text="How accepted work is presented.")
    how_to_submit = models.TextField(blank=True, help_text="How to submit, as shown on the call.")

    class Meta:
        verbose_name = "call for participation"
        verbose_name_plural = "calls for participation"

    def __str__(self):
        return f"Call for participation, {self.edition}"


class Topic(models.Model):
    cfp = models.ForeignKey(CallForParticipation, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["cfp", "name"], name="unique_topic_per_cfp")]

    def __str__(self):
        return self.name
