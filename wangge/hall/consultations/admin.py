from django.contrib import admin

from .models import Answer, Consultation, Document, Option, Question, Response


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", "kind", "text", "required", "scale_min", "scale_max", "min_label", "max_label")


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ("name", "content_type", "size", "uploaded_at")
    readonly_fields = ("content_type", "size", "uploaded_at")


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "basis", "status", "opens_at", "closes_at", "publish_results")
    list_filter = ("status", "basis", "publish_results")
    search_fields = ("title",)
    raw_id_fields = ("community", "item", "created_by", "subdistrict")
    filter_horizontal = ("grids", "buildings")
    readonly_fields = ("created_at", "opened_at", "closed_at")
    inlines = [QuestionInline, DocumentInline]


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = ("position", "text")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "consultation", "position", "kind", "required")
    list_filter = ("kind",)
    raw_id_fields = ("consultation", "subdistrict")
    inlines = [OptionInline]


@admin.register(Option)
class OptionAdmin(admin.ModelAdmin):
    list_display = ("text", "question", "position")
    raw_id_fields = ("question", "subdistrict")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("name", "consultation", "content_type", "size", "uploaded_at")
    raw_id_fields = ("consultation", "subdistrict")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("question", "option", "value", "text")
    raw_id_fields = ("question", "option")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "consultation", "basis", "submitted_at", "updated_at")
    list_filter = ("basis",)
    raw_id_fields = ("consultation", "resident", "household", "subdistrict")
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("id", "response", "question", "option", "value")
    raw_id_fields = ("response", "question", "option", "subdistrict")
