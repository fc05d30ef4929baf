"""Puts ``pyvorin-shadow-guard.pth`` and ``.start`` at the root of the wheel (``site-packages``).

Everything else is in pyproject.toml. A ``.pth`` file only runs from a site directory,
and nothing declarative in setuptools installs a file there (``data_files`` go under
the environment's prefix instead), so ``build_py`` copies it into ``build_lib``, whose
contents are the wheel's root; ``get_source_files`` puts it in the sdist.

An editable install (PEP 660) builds no such tree: setuptools writes a wheel holding a
``__editable__.*.pth`` path entry, the metadata and the files that the build sub-commands
write to ``install_lib``, which for an editable wheel is the wheel's root. So in editable
mode the files are copied there as well; the dev environment gets the hook too.

The ``.start`` file is PEP 829's successor of the ``.pth`` import line: one entry point,
``_pyvorin_guard:install``, which ``site`` resolves and calls at start-up from Python 3.15
on. There a ``.start`` file disables the import lines of the ``.pth`` file of the same
name, so the hook is installed once; older Pythons ignore ``.start`` files and run the
``.pth`` line, and from 3.18 on ``.pth`` import lines are ignored altogether.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "pyvorin-shadow-guard.pth"
START = "pyvorin-shadow-guard.start"  # PEP 829 (Python 3.15+): supersedes the .pth line
HOOK_FILES = (PTH, START)


class build_py_with_pth(build_py):
    def run(self) -> None:
        super().run()
        for name in HOOK_FILES:
            self.copy_file(name, os.path.join(self.build_lib, name), preserve_mode=False)
        if self.editable_mode:
            wheel_root = self.get_finalized_command("install").install_lib
            for name in HOOK_FILES:
                self.copy_file(name, os.path.join(wheel_root, name), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        hooks = [os.path.join(self.build_lib, name) for name in HOOK_FILES]
        return [*super().get_outputs(include_bytecode), *hooks]

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), *HOOK_FILES]


setup(cmdclass={"build_py": build_py_with_pth})
