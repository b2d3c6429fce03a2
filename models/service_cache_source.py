from odoo import api, models


class ServiceCacheSource(models.AbstractModel):
    """Records a cache of every worker is computed from (cache_version):
    creating or deleting one, or writing one of the fields the cache reads
    (`_service_cached_fields`, None: any field), calls the res.company method
    that renews the cache's version (`_service_cache_renewal`) in the same
    transaction, so every worker computes the cache again at its next
    request."""

    _name = "service.cache.source"
    _description = "Source of a Cached Value"

    # the name of the res.company method renewing the version the cache is kept under
    _service_cache_renewal = None
    # the fields of these records the cache reads; None: all of them
    _service_cached_fields = None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self._service_renew_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        if self._service_cached_fields is None or vals.keys() & self._service_cached_fields:
            self._service_renew_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self._service_renew_cache()
        return result

    @api.model
    def _service_renew_cache(self):
        getattr(self.env["res.company"], self._service_cache_renewal)()
