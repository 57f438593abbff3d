"""A grid operator for the end-to-end tests: its own outputs show any batch completed twice."""
import os
import socket
import time

# where outputs go (updated in place by every worker)
out_dir = os.getenv("out_dir")
# seconds each batch takes
sleep_seconds = float(os.getenv("sleep_seconds", "0"))
# comma-separated batches that raise
fail_on = os.getenv("fail_on", "")
# comma-separated batches that hang on their first attempt (their containers are killed by the test)
hang_on = os.getenv("hang_on", "")


def container_id():
    """This container's id (under --network host the host name is the machine's), else the host name."""
    try:
        with open("/proc/self/mountinfo") as mounts:
            for line in mounts:
                if "/containers/" in line and "/hostname " in line:
                    return line.split("/containers/", 1)[1].split("/", 1)[0]
    except OSError:
        pass
    return socket.gethostname()


def grid_process(batch_id, out_dir, sleep_seconds, fail_on, hang_on):
    attempt = os.path.join(out_dir, "attempts", batch_id)
    os.makedirs(os.path.dirname(attempt), exist_ok=True)
    fd = os.open(attempt, os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    os.write(fd, f"{container_id()}\n".encode())
    os.close(fd)
    if batch_id in hang_on.split(",") and len(open(attempt).read().split()) == 1:
        time.sleep(600)
    time.sleep(sleep_seconds)
    if batch_id in fail_on.split(","):
        raise ValueError(f"cannot process {batch_id}")
    done = os.path.join(out_dir, batch_id + ".done")
    os.makedirs(os.path.dirname(done), exist_ok=True)
    fd = os.open(done, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(fd, batch_id.encode())
    os.close(fd)
    fd = os.open(os.path.join(out_dir, "completions.log"), os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    os.write(fd, (batch_id + "\n").encode())
    os.close(fd)


if __name__ == "__main__":
    raise SystemExit("run through the grid worker")
