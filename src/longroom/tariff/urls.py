from django.urls import path

from . import calculator_views, views

app_name = "tariff"
urlpatterns = [
    path("", views.tools_home, name="home"),
    path("search/", views.search, name="search"),
    path("browse/", views.browse, name="browse"),
    path("browse/<str:code>/", views.browse, name="browse_code"),
    path("items/<str:number>/", views.item_detail, name="item"),
    path("classify/", views.classify, name="classify"),
    path("calculator/", calculator_views.calculator, name="calculator"),
    path("calculator/export.csv", calculator_views.calculator_export, name="calculator_export"),
    path("calculator/template.csv", calculator_views.calculator_template, name="calculator_template"),
    path("exchange-rates/", views.exchange_rates, name="exchange_rates"),
]
