"""AMER for Python: a procurement office's walk-in service log and risk register.

Open a store in a folder, create the office once, then run the session flow::

    import amer
    store = amer.AmerStore.open("/path/to/folder")
    store.init(amer.InitOptions(office_name="Bagian Pengadaan Barang/Jasa", device_name="PC Loket"))

Every name of the library is importable from here: ``AmerStore``, the records (``NewSession``,
``Session``, ``SessionRow``, ``SessionFilter``...), the enums (``Category``, ``SessionStatus``...),
``ChangeListener`` / ``Subscription`` and the exception ``ApiError``. Instants are
``datetime`` values (UTC), calendar dates ``"YYYY-MM-DD"`` strings. See README.md beside the
package's source for threading, errors and listeners.
"""

import atexit as _atexit

from ._ffi.amer import *  # noqa: F401,F403
from ._ffi.amer import __all__ as _ffi_all
from ._ffi.amer import shutdown_background as _shutdown_background

__all__ = list(_ffi_all)
__version__ = "0.1.0"

# AMER's background threads (async calls, sync nodes) call back into Python to wake coroutines
# and listeners; one doing so while the interpreter finalises would abort the process. Stop them
# while the interpreter is still whole.
_atexit.register(_shutdown_background)
