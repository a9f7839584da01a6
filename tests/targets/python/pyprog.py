"""Python programs with known profiles, one per mode (argv[1]), for
profgate's Python tests. Work is measured in CPU time, so shares hold on a
loaded machine."""
import sys
import threading
import time


def spin(seconds):
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        x += 1
    return x


def spin_thread(seconds):
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        x += 1
    return x


# -- shares: heavy does three times light's work
def heavy():
    return spin(0.6)


def light():
    return spin(0.2)


# -- a generator and a recursive function
def produce(n):
    for _ in range(n):
        yield spin(0.015)


def consume():
    return sum(produce(30))


def rec(depth):
    if depth == 0:
        return spin(0.4)
    return rec(depth - 1) + 1


# -- threads, each in its own function
def worker_a():
    spin_thread(0.4)


def worker_b():
    spin_thread(0.4)


# -- a C function (the json encoder) calling back into Python
def on_unknown(obj):
    spin(0.002)
    return obj.value


class Thing:
    def __init__(self, value):
        self.value = value


def encode():
    import json
    return len(json.dumps([Thing(i) for i in range(300)], default=on_unknown))


# -- wall mode: a thread that sleeps while the main thread works
def sleeper():
    time.sleep(1.2)


# -- memory: one big block and many small objects
def alloc_big():
    return bytearray(48 * 1024 * 1024)


def alloc_small():
    return [object() for _ in range(400000)]


def main():
    mode = sys.argv[1]
    if mode == "shares":
        heavy()
        light()
    elif mode == "genrec":
        consume()
        rec(25)
    elif mode == "threads":
        ts = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    elif mode == "callback":
        encode()
    elif mode == "sleep":
        t = threading.Thread(target=sleeper)
        t.start()
        spin(0.6)
        t.join()
    elif mode == "memory":
        big = alloc_big()
        small = alloc_small()
        del big, small
    else:
        raise SystemExit("unknown mode " + mode)
    print("done", mode)


main()
