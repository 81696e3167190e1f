"""Just enough of a Containerfile parser to read what the image does, instead of repeating it in tests."""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-cased: FROM, RUN, COPY, ...
    arguments: str  # the rest of the (joined) line, flags included


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"the stage FROM {self.base} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        """ENV in the KEY=value form (the only one this project uses), later values winning."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for assignment in shlex.split(instruction.arguments):
                key, separator, value = assignment.partition("=")
                assert separator, f"ENV {instruction.arguments!r}: use the KEY=value form"
                values[key] = value
        return values


def logical_lines(text: str) -> list[str]:
    """Join backslash continuations; drop comments, parser directives and blank lines."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    assert not current, "the file ends inside a continued line"
    return lines


def parse(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    for line in logical_lines(path.read_text()):
        keyword, _, arguments = line.partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", instruction.arguments, re.IGNORECASE)
            assert match, f"cannot read FROM {instruction.arguments!r}"
            stages.append(Stage(base=match[1], name=match[2]))
        else:
            assert stages, f"{instruction.keyword} before the first FROM"
            stages[-1].instructions.append(instruction)
    return stages


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD; the shell form is refused."""
    command = json.loads(arguments)
    assert isinstance(command, list), f"{arguments!r} is not in the exec form"
    assert all(isinstance(part, str) for part in command)
    return command


def healthcheck_command(stage: Stage) -> list[str]:
    arguments = stage.last("HEALTHCHECK").arguments
    _, found, command = arguments.partition("CMD ")
    assert found, f"HEALTHCHECK {arguments!r} has no CMD"
    return exec_form(command)
