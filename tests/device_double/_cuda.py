"""``cupy.cuda`` of the double: one device, named for what it is (not a GPU)."""

NAME = "seqlab device double (NumPy on the CPU, CuPy 14.2.0's boundary rules): not a GPU"


class runtime:  # noqa: N801 - CuPy's module name
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def getDeviceProperties(device_id):
        return {"name": NAME.encode(), "totalGlobalMem": 0, "multiProcessorCount": 0,
                "major": 0, "minor": 0}

    @staticmethod
    def runtimeGetVersion():
        return 0

    @staticmethod
    def driverGetVersion():
        return 0


class Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)

    compute_capability = "00"

    def synchronize(self):
        return None

    def use(self):
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    __hash__ = object.__hash__


class Stream:
    def synchronize(self):
        return None


Stream.null = Stream()


def get_current_stream():
    return Stream.null


def is_available():
    return True

