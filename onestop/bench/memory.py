"""Peak memory of the process a benchmark measures in."""

import resource


def peak_mb():
    """The process's own resident high-water mark, in MB. Not ``ru_maxrss`` alone: Linux keeps
    it across exec, so a child started from a large parent reports at least the parent's size
    at the fork (the parent that had just generated 1.5 GB of CSV, for example)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
