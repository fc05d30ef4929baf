"""Puts ``pyvorin-shadow-guard.pth`` at the root of the wheel (``site-packages``).

Everything else is in pyproject.toml. A ``.pth`` file only runs from a site directory,
and nothing declarative in setuptools installs a file there (``data_files`` go under
the environment's prefix instead), so ``build_py`` copies it into ``build_lib``, whose
contents are the wheel's root; ``get_source_files`` puts it in the sdist.

An editable install (PEP 660) builds no such tree: setuptools writes a wheel holding a
``__editable__.*.pth`` path entry, the metadata and the files that the build sub-commands
write to ``install_lib``, which for an editable wheel is the wheel's root. So in editable
mode the file is copied there as well; the dev environment gets the hook too.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "pyvorin-shadow-guard.pth"


class build_py_with_pth(build_py):
    def run(self) -> None:
        super().run()
        self.copy_file(PTH, os.path.join(self.build_lib, PTH), preserve_mode=False)
        if self.editable_mode:
            wheel_root = self.get_finalized_command("install").install_lib
            self.copy_file(PTH, os.path.join(wheel_root, PTH), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH)]

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), PTH]


setup(cmdclass={"build_py": build_py_with_pth})
