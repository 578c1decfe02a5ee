package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockHolder finds the process holding the flock on the file at path by
// reading /proc/locks (Linux). It needs no pidfile, so it cannot be stale:
// the kernel drops the lock when its holder dies. ok is false when no
// holder is listed or /proc is not available.
func lockHolder(path string) (pid int, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return 0, false
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0, false
	}
	dev := uint64(st.Dev)
	return parseProcLocks(data, unix.Major(dev), unix.Minor(dev), st.Ino)
}

// parseProcLocks returns the PID of the first granted lock on inode ino of
// device major:minor in the text of /proc/locks, whose lines look like
//
//	1: FLOCK  ADVISORY  WRITE 4711 fe:01:123456 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 4712 fe:01:123456 0 EOF   (a waiter)
//
// with the device in hex and the inode in decimal. On overlay file systems
// the kernel may list the lower device, so when no line matches the device
// a line matching the inode alone is used.
func parseProcLocks(data []byte, major, minor uint32, ino uint64) (pid int, ok bool) {
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, ino)
	inoOnly := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[1] == "->" {
			continue // waiting, not holding
		}
		if len(f) < 8 {
			continue
		}
		n, err := strconv.Atoi(f[4])
		if err != nil || n <= 0 {
			continue
		}
		if f[5] == want {
			return n, true
		}
		if i := strings.LastIndexByte(f[5], ':'); i >= 0 && inoOnly == 0 && f[5][i+1:] == strconv.FormatUint(ino, 10) {
			inoOnly = n
		}
	}
	return inoOnly, inoOnly > 0
}
