# Sourced by the bench scripts: facts every result file records.

# "2 cores, 23.5 GB": the machine a figure was measured on.
machine() {
    echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)"
}
