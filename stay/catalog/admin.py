from django.contrib import admin

from .models import InventoryChange, InventoryLevel, Product, ProductEvent, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["platform_id", "sku", "title", "price", "inventory_quantity", "inventory_tracked", "deleted_at"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "store", "vendor", "product_type", "status", "is_gift_card"]
    list_filter = ["store", "status", "is_gift_card", "product_type"]
    search_fields = ["title", "handle", "variants__sku"]
    inlines = [VariantInline]


class LevelInline(admin.TabularInline):
    model = InventoryLevel
    extra = 0
    readonly_fields = ["location_id", "available", "platform_updated_at"]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    inlines = [LevelInline]
    list_display = ["__str__", "sku", "price", "inventory_quantity", "inventory_tracked"]
    search_fields = ["sku", "barcode", "product__title"]
    raw_id_fields = ["product"]


@admin.register(InventoryChange)
class InventoryChangeAdmin(admin.ModelAdmin):
    list_display = ["variant", "delta", "quantity_after", "reason", "actor", "created_at"]
    list_filter = ["reason"]
    raw_id_fields = ["variant"]


@admin.register(ProductEvent)
class ProductEventAdmin(admin.ModelAdmin):
    list_display = ["product", "kind", "actor", "created_at"]
    raw_id_fields = ["product"]
