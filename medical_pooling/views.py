from django.http import HttpResponse


def me(request):
    return HttpResponse("")
