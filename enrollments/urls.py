from django.urls import path

from . import views

app_name = "enrollments"

urlpatterns = [
    path("", views.my_courses, name="my_courses"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path("courses/<slug:slug>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<slug:slug>/play/", views.course_play, name="course_play"),
    path("courses/<slug:slug>/learners/", views.course_learners, name="course_learners"),
    path("attempts/<uuid:attempt_id>/", views.attempt_player, name="attempt_player"),
    path("attempts/<uuid:attempt_id>/progress/", views.attempt_progress, name="attempt_progress"),
    path("attempts/<uuid:attempt_id>/exit/", views.attempt_exit, name="attempt_exit"),
]
