#!/usr/bin/python3
"""Strict, independent check of an OpenStack config-drive ISO with pycdlib.

Project copy of the shared reference checker (configdrive-webdav-tools.md section 1.3),
adapted for the iso9660 writer tests: the volume id is a parameter, and the Rock Ridge
flavour and POSIX modes that the writer promises (RRIP 1.09 like genisoimage -r) are
checked too.

usage: /usr/bin/python3 check_configdrive.py IMAGE.iso SRC_DIR [--no-joliet] [--volid NAME]

Fails (exit 1, message on stderr) if
  * pycdlib cannot parse the image (structural problems raise PyCdlibInvalidISO:
    both-endian mismatches, L/M path tables that disagree, bad SUSP entries, ...),
  * the PVD volume identifier (and the Joliet SVD one, if present) is not NAME
    (default 'config-2'),
  * Rock Ridge is missing or not version 1.09 (RRIP_1991A), or Joliet is missing
    (unless --no-joliet),
  * a Rock Ridge mode is not 0444 for files / 0555 for directories,
  * the set of files or directories seen via Rock Ridge / Joliet differs from SRC_DIR,
  * any file's bytes (read via the RR name and via the Joliet name) differ.
Prints 'OK <image>: volid=... rock_ridge=... joliet=... files=N dirs=N' on success.
NB: run with /usr/bin/python3 (Debian python3-pycdlib); a pyenv python3 on PATH
won't see the module.
"""
import hashlib
import io
import os
import sys

import pycdlib
from pycdlib.pycdlibexception import PyCdlibException

FILE_MODE = 0o100444
DIR_MODE = 0o040555


def die(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


def src_tree(root):
    files = {}
    dirs = set()
    for dp, dns, fns in os.walk(root):
        rel = os.path.relpath(dp, root)
        rel = "/" if rel == "." else "/" + rel
        dirs.add(rel)
        for fn in fns:
            p = os.path.join(dp, fn)
            with open(p, "rb") as f:
                files[(rel.rstrip("/") + "/" + fn)] = f.read()
    return dirs, files


def iso_tree(iso, kind):
    dirs, files = set(), {}
    for dp, dns, fns in iso.walk(**{kind: "/"}):
        dirs.add(dp)
        for fn in fns:
            p = dp.rstrip("/") + "/" + fn
            buf = io.BytesIO()
            iso.get_file_from_iso_fp(buf, **{kind: p})
            files[p] = buf.getvalue()
    return dirs, files


def parse_args(argv):
    opts = {"volid": "config-2", "joliet": True}
    rest = []
    it = iter(argv)
    for a in it:
        if a == "--no-joliet":
            opts["joliet"] = False
        elif a == "--volid":
            opts["volid"] = next(it, None)
            if opts["volid"] is None:
                die("--volid needs a value")
        elif a.startswith("--"):
            die("unknown option %s" % a)
        else:
            rest.append(a)
    if len(rest) != 2:
        die("usage: check_configdrive.py IMAGE.iso SRC_DIR [--no-joliet] [--volid NAME]")
    return rest[0], rest[1], opts


def main():
    image, src, opts = parse_args(sys.argv[1:])
    want = opts["volid"]
    iso = pycdlib.PyCdlib()
    try:
        iso.open(image)  # strict parse of VDs, path tables, dir records, SUSP/RR
    except PyCdlibException as e:
        die("pycdlib cannot parse %s: %s" % (image, e))
    vid = iso.pvd.volume_identifier.decode("ascii", "replace").rstrip(" ")
    if vid != want:
        die("PVD volume id is %r, want %r" % (vid, want))
    if not iso.has_rock_ridge():
        die("no Rock Ridge")
    if iso.rock_ridge != "1.09":
        die("Rock Ridge version is %s, want 1.09 (RRIP_1991A)" % iso.rock_ridge)
    kinds = ["rr_path"]
    if iso.has_joliet():
        jvid = iso.joliet_vd.volume_identifier.decode("utf-16-be").rstrip(" ")
        if jvid != want:
            die("Joliet volume id is %r, want %r" % (jvid, want))
        kinds.append("joliet_path")
    elif opts["joliet"]:
        die("no Joliet SVD")
    sdirs, sfiles = src_tree(src)
    for kind in kinds:
        idirs, ifiles = iso_tree(iso, kind)
        if set(ifiles) != set(sfiles):
            die("%s file set differs: only in ISO %s, only in src %s" % (
                kind, sorted(set(ifiles) - set(sfiles)),
                sorted(set(sfiles) - set(ifiles))))
        if idirs != sdirs:
            die("%s dir set differs: %s vs %s" % (kind, sorted(idirs), sorted(sdirs)))
        for p, data in sfiles.items():
            if ifiles[p] != data:
                die("%s content of %s differs (iso sha256 %s, src %s)" % (
                    kind, p, hashlib.sha256(ifiles[p]).hexdigest()[:12],
                    hashlib.sha256(data).hexdigest()[:12]))
    for p in sfiles:
        mode = iso.file_mode(rr_path=p)
        if mode != FILE_MODE:
            die("rr mode of %s is %s, want %o" % (p, None if mode is None else oct(mode), FILE_MODE))
    for d in sdirs - {"/"}:
        mode = iso.file_mode(rr_path=d)
        if mode != DIR_MODE:
            die("rr mode of %s is %s, want %o" % (d, None if mode is None else oct(mode), DIR_MODE))
    print("OK %s: volid=%s rock_ridge=%s joliet=%s files=%d dirs=%d" % (
        image, vid, iso.rock_ridge, iso.has_joliet(), len(sfiles), len(sdirs)))
    iso.close()


main()
