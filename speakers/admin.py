"""People and their roles, searchable by name."""
from django.contrib import admin

from .models import Appearance, Person


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 0
    fields = ("edition", "role", "talk", "session", "affiliation", "order")
    raw_id_fields = ("talk", "session")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email", "homepage")
    search_fields = ("name", "slug", "email", "bio")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)
    inlines = [AppearanceInline]


@admin.register(Appearance)
class AppearanceAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "edition", "talk", "session", "affiliation", "order")
    list_filter = ("edition", "role")
    search_fields = ("person__name", "affiliation", "talk__title")
    autocomplete_fields = ("person",)
    raw_id_fields = ("talk", "session")
