from . import service_macro_apply
