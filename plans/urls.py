"""The technologist's pages under /prescriptions/: entry, bundles, plan, PDF, calendar and
their own courses. The namespace stays "prescriptions" (URL names and paths unchanged)."""

from django.urls import path

from plans import views, views_obligations, views_plan, views_private, views_text

app_name = "prescriptions"

urlpatterns = [
    path("", views.prescription_list, name="list"),
    path("new/", views.prescription_new, name="new"),
    path("new/fields/", views.discipline_fields, name="discipline_fields"),
    path("courses/", views.course_search, name="course_search"),
    path("import/", views.prescription_import, name="import"),
    path("read/", views_text.prescription_read, name="read"),
    path("read/confirm/", views_text.prescription_read_confirm, name="read_confirm"),
    path("my-courses/", views_private.private_course_list, name="private_list"),
    path("my-courses/new/", views_private.private_course_new, name="private_new"),
    path(
        "my-courses/<int:private_course_id>/",
        views_private.private_course_edit,
        name="private_edit",
    ),
    path(
        "my-courses/<int:private_course_id>/delete/",
        views_private.private_course_delete_view,
        name="private_delete",
    ),
    path("<int:pk>/", views.prescription_detail, name="detail"),
    path("<int:pk>/edit/", views.prescription_edit, name="edit"),
    path("<int:pk>/delete/", views.prescription_delete, name="delete"),
    path("<int:pk>/prescription.json", views.prescription_json, name="json"),
    path("<int:pk>/recompute/", views.prescription_recompute, name="recompute"),
    path(
        "<int:pk>/obligations/",
        views_obligations.prescription_obligations,
        name="obligations",
    ),
    path("<int:pk>/bundles/<int:bundle_id>/choose/", views.bundle_choose, name="choose"),
    path("<int:pk>/plan/", views_plan.plan_detail, name="plan"),
    path("<int:pk>/plan/items/<int:item_id>/done/", views_plan.plan_item_done, name="item_done"),
    path(
        "<int:pk>/plan/items/<int:item_id>/certificate/",
        views_plan.plan_item_certificate,
        name="item_certificate",
    ),
    path("<int:pk>/plan/items/<int:item_id>/undo/", views_plan.plan_item_undo, name="item_undo"),
    path("<int:pk>/plan/replan/", views_plan.plan_replan, name="replan"),
    path("<int:pk>/plan.pdf", views_plan.plan_pdf, name="plan_pdf"),
    path("<int:pk>/plan.ics", views_plan.plan_ics, name="plan_ics"),
    path("<int:pk>/arrt-report.csv", views_plan.plan_report_csv, name="report_csv"),
]
