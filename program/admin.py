"""Organizers edit the program here: editions, sessions with their talks inline, dates, the call."""
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse

from speakers.models import Appearance

from .models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from .services.copying import edition_copy


class ImportantDateInline(admin.TabularInline):
    model = ImportantDate
    extra = 0
    fields = ("kind", "label", "moment", "zone", "is_deadline", "order")


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("title", "kind", "start", "end")
    show_change_link = True


class RoleInline(admin.TabularInline):
    """People in one role (organizer, chair, presenter): the role is fixed by the inline, not chosen."""

    model = Appearance
    extra = 0
    fields = ("person", "role", "affiliation", "order")
    autocomplete_fields = ("person",)
    role = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=self.role)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["role"].initial = self.role
        formset.form.base_fields["role"].choices = [(self.role, Appearance.Role(self.role).label)]
        return formset


class OrganizerInline(RoleInline):
    role = Appearance.Role.ORGANIZER
    verbose_name = "organizer"
    verbose_name_plural = "organizers"


class CopyEditionForm(forms.Form):
    slug = forms.SlugField(help_text="URL name of the new edition, for example 2021.")
    title = forms.CharField(max_length=300)
    date = forms.DateField(help_text="The day of the new event (YYYY-MM-DD). Every date moves with it.")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Edition.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"An edition “{slug}” exists already.")
        return slug


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "date", "time_zone", "is_current", "is_practice")
    list_filter = ("is_current", "is_practice", "format")
    search_fields = ("title", "name", "slug")
    ordering = ("-date",)
    inlines = [SessionInline, ImportantDateInline, OrganizerInline]
    change_form_template = "admin/program/edition/change_form.html"

    def get_urls(self):
        return [
            path("<int:edition_id>/copy/", self.admin_site.admin_view(self.copy_view), name="program_edition_copy"),
        ] + super().get_urls()

    def copy_view(self, request, edition_id):
        source = self.get_object(request, str(edition_id))
        if source is None or not self.has_add_permission(request):
            return redirect("admin:program_edition_changelist")
        form = CopyEditionForm(request.POST or None, initial={"title": source.title})
        if request.method == "POST" and form.is_valid():
            copy = edition_copy(source=source, **form.cleaned_data)
            messages.success(request, f"{copy} was created from {source}. Check its dates and sessions.")
            return redirect(reverse("admin:program_edition_change", args=[copy.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "source": source,
                   "opts": self.model._meta, "title": f"Start the next iteration from {source}"}
        return render(request, "admin/program/edition/copy.html", context)


class TalkInline(admin.StackedInline):
    model = Talk
    extra = 0
    fields = ("order", "label", "title", "kind", "abstract", "slot_minutes", "video_url", "paper_url")
    ordering = ("order",)
    show_change_link = True


class ChairInline(RoleInline):
    role = Appearance.Role.CHAIR
    verbose_name = "discussion chair"
    verbose_name_plural = "discussion chairs"


def save_with_edition(formset, edition) -> None:
    """Inline appearances belong to the edition of the session or talk they are edited in."""
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    for instance in instances:
        if isinstance(instance, Appearance):
            instance.edition = edition
        instance.save()
    formset.save_m2m()


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("title", "edition", "kind", "start", "end")
    list_filter = ("edition", "kind")
    search_fields = ("title", "talks__title")
    ordering = ("edition", "start")
    inlines = [TalkInline, ChairInline]

    def save_formset(self, request, form, formset, change):
        save_with_edition(formset, form.instance.edition)


class PresenterInline(RoleInline):
    role = Appearance.Role.PRESENTER
    verbose_name = "presenter"
    verbose_name_plural = "presenters"


@admin.register(Talk)
class TalkAdmin(admin.ModelAdmin):
    list_display = ("title", "label", "session", "kind", "order")
    list_filter = ("session__edition", "kind")
    search_fields = ("title", "abstract", "appearances__person__name")
    ordering = ("session__start", "order")
    inlines = [PresenterInline]

    def save_formset(self, request, form, formset, change):
        save_with_edition(formset, form.instance.session.edition)


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 1
    fields = ("name", "order")


@admin.register(CallForParticipation)
class CallForParticipationAdmin(admin.ModelAdmin):
    list_display = ("edition", "page_limit", "presentation_minutes")
    inlines = [TopicInline]


@admin.register(ImportantDate)
class ImportantDateAdmin(admin.ModelAdmin):
    list_display = ("label", "edition", "kind", "moment", "zone", "is_deadline")
    list_filter = ("edition", "kind")
    ordering = ("edition", "moment")
