from django.urls import path

from . import views

app_name = "gradebook"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("attempts/<uuid:attempt_id>/refresh/", views.refresh_attempt, name="refresh_attempt"),
    path("<slug:slug>/", views.course_gradebook, name="course"),
    path("<slug:slug>/export/gradebook.csv", views.export_gradebook, name="export_gradebook"),
    path("<slug:slug>/export/attempts.csv", views.export_attempts, name="export_attempts"),
    path("<slug:slug>/learners/<str:external_id>/", views.learner_detail, name="learner"),
]
