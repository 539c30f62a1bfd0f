"""`nbgrader collect` that never turns a planted link into a copy of its target.

The exchange's inbound folder is writable by every learner (nbgrader makes it 0733, and `nbgrader
submit` leaves each submission folder in it 0777), so a learner can put anything there, not only what
`nbgrader submit` copies: a symbolic link to the course secret, to the gradebook, to a classmate's
work. nbgrader's own collect copies a submission with `shutil.copytree`, which follows links: the
instructor's collect (with the instructor's rights) then writes the target's content into
`submitted/`, where grading reads it.

`SafeCollect` is nbgrader's collect (the same choice of submission per learner, due dates, --update,
the same destination) with a copy that, through folder descriptors opened with O_NOFOLLOW:

- takes only regular files with exactly one link (a hard link to a file the learner may not read has
  two or more), checked with lstat and again on the descriptor opened with O_NOFOLLOW | O_NONBLOCK;
- never follows a symbolic link, to a file or to a folder, and enters no linked folder;
- leaves out FIFOs, sockets and devices;
- leaves out a submission whose inbound entry itself is a link or not a folder, and one whose learner id
  would leave `submitted/` ("." or "..");
- keeps nbgrader's CourseDirectory.ignore / include / max_file_size / max_dir_size and copies each file's
  permission bits (never set-user-id, set-group-id or sticky: copytree kept those) and times;
- and says in the log (a warning each) what it left out.

Configured in `nbgrader_config.py`: `c.ExchangeFactory.collect = "autograder.engine.exchange.SafeCollect"`.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.utils import check_mode

from autograder.engine.staging import describe_entry

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class SafeCollect(ExchangeCollect):
    """nbgrader's ExchangeCollect, copying only regular, single-link files and following no link."""

    def _real_submission(self, path: str) -> bool:
        """Whether an inbound entry is a folder (not a link to one) of a learner id that stays in submitted/."""
        username = os.path.basename(path).rsplit("+", 3)[0]
        if username in ("", ".", ".."):
            self.log.warning("Left out %s: the learner id %r is not a name", path, username)
            return False
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISDIR(info.st_mode):
            self.log.warning("Left out %s: the submission is %s, not a folder", path, describe_entry(info))
            return False
        return True

    def init_src(self):
        """nbgrader's, with links (and anything but a folder) in the inbound folder left out before a
        submission is chosen per learner: a link a classmate plants under a learner's name with a later
        time stamp is not collected, and does not hide that learner's real submission."""
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")
        records = [self._path_to_record(f) for f in sorted(glob.glob(pattern)) if self._real_submission(f)]
        usergroups = groupby(records, lambda item: item["username"])
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        if self.duedate is None or not self.before_duedate:
            self.src_records = [self._sort_by_timestamp(v)[0] for v in usergroups.values()]
        else:
            self.src_records = []
            for v in usergroups.values():
                ordered = self._sort_by_timestamp(v)
                before = [r for r in ordered if r["timestamp"] <= self.duedate]
                self.src_records.append(before[0] if before else ordered[0])

    def _excluded(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.coursedir.ignore or [])

    def _not_included(self, name: str) -> bool:
        include = self.coursedir.include
        return bool(include) and not any(fnmatch.fnmatch(name, pattern) for pattern in include)

    def _walk(self, fd: int, rel: str, dest: str | None, left_out: list[str]) -> int:
        """Copy the folder open at `fd` to `dest` (None: only count): the bytes of the files taken."""
        total = 0
        for name in sorted(os.listdir(fd)):
            where = os.path.join(rel, name)
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError:
                continue
            if self._excluded(name):
                continue
            if stat.S_ISDIR(info.st_mode):
                try:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError:
                    left_out.append(f"{where}: a folder that became a link")
                    continue
                try:
                    target = None if dest is None else os.path.join(dest, name)
                    if target is not None:
                        os.mkdir(target)
                    total += self._walk(sub, where, target, left_out)
                    if target is not None:
                        os.chmod(target, info.st_mode & 0o777)
                        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
                finally:
                    os.close(sub)
                continue
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                left_out.append(f"{where}: {describe_entry(info)}")
                continue
            if self._not_included(name):
                continue
            if self.coursedir.max_file_size and info.st_size > 1000 * self.coursedir.max_file_size:
                left_out.append(f"{where}: too large (see CourseDirectory.max_file_size)")
                continue
            total += info.st_size
            if dest is not None:
                self._copy_file(fd, name, info, os.path.join(dest, name), where, left_out)
        return total

    def _copy_file(self, dir_fd: int, name: str, info: os.stat_result, target: str, where: str,
                   left_out: list[str]) -> None:
        try:
            src = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError:
            left_out.append(f"{where}: became a link or could not be opened")
            return
        with os.fdopen(src, "rb") as fin:
            now = os.fstat(src)
            if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(now.st_mode) \
                    or now.st_nlink != 1:
                left_out.append(f"{where}: changed while it was collected")
                return
            os.set_blocking(src, True)
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(out, "wb") as fout:
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
                os.fchmod(out, now.st_mode & 0o777)
                os.utime(out, ns=(now.st_atime_ns, now.st_mtime_ns))

    def do_copy(self, src, dest, log=None):
        """The submission folder `src` to `dest`, only its regular single-link files, following no link."""
        try:
            top = os.open(src, _DIR_FLAGS)
        except OSError as exc:
            self.log.warning("Left out %s: not a folder of its own (%s)", src, exc)
            return
        try:
            left_out: list[str] = []
            size = self._walk(top, "", None, [])
            if size > 1000 * self.coursedir.max_dir_size:
                self.log.error("Directory size is too big")
                raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                                   f"{1000 * self.coursedir.max_dir_size}")
            info = os.fstat(top)
            os.mkdir(dest)
            self._walk(top, "", dest, left_out)
            os.chmod(dest, info.st_mode & 0o777)
            os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(top)
        for what in left_out:
            self.log.warning("Left out of %s: %s", src, what)
        if self.coursedir.groupshared:  # as nbgrader's do_copy: group read/write for the other instructors
            for dirname, _, filenames in os.walk(dest):
                os.chmod(dirname, (os.stat(dirname).st_mode | 0o2770) & 0o2777)
                for filename in filenames:
                    path = os.path.join(dirname, filename)
                    os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)
