"""Pages anyone can read: the landing page and the pages linked from the footer."""

from django.shortcuts import render


def home(request):
    return render(request, "frontend/pages/home.html")


def privacy(request):
    return render(request, "frontend/pages/privacy.html")


def accessibility(request):
    return render(request, "frontend/pages/accessibility.html")


def safety(request):
    return render(request, "frontend/pages/safety.html")
