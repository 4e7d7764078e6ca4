"""Voice commands, offline: "stop", "pause", "go on", "next", and after a pain question "zero" to
"ten", spotted in the microphone's sound (or a sound file standing in for it) by pocketsphinx with
the US English model its package ships (the `voice` extra).

The words and each one's spotting threshold are data (`_common.toml`, `[voice_commands]`). The
coach's own voice is not listened to: while it speaks (and `echo_s` after) the sound is skipped, so
the coach saying "0 to 10" or a count is never heard as an answer. A word heard is kept with the
time it ended; the callers take them with `heard()`.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formcheck.analysis.commands import CommandName
from formcheck.errors import FormcheckError
from formcheck.resources import bundled_specs_dir
from formcheck.spec.common import common_data

RATE = 16000  # the acoustic model's sampling rate
CHUNK_S = 0.1  # sound is fed in pieces this long
EXTRA_HINT = "voice commands need the voice extra: pip install 'formcheck[voice]'"


NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True, kw_only=True)
class Heard:
    t_s: float  # on the listener's clock: seconds since it started
    words: str  # a `CommandName` value or a number word

    @property
    def command(self) -> CommandName | None:
        return CommandName(self.words) if self.words in set(CommandName) else None

    @property
    def number(self) -> int | None:
        return NUMBERS.index(self.words) if self.words in NUMBERS else None


@dataclass(frozen=True, kw_only=True)
class SpotterRule:
    """`_common.toml`'s `[voice_commands]`: each phrase's threshold (pocketsphinx's kws_threshold, as a
    power of ten: lower finds more and mistakes more), and how long after the coach's voice the
    sound is still its echo."""

    commands: dict[str, float]
    numbers: dict[str, float]
    echo_s: float

    @classmethod
    def shared(cls, folder: Path | None = None) -> SpotterRule:
        table = common_data(folder).get("voice_commands") or common_data(bundled_specs_dir()).get("voice_commands")
        try:
            commands = {str(CommandName(k)): float(v) for k, v in table["commands"].items()}
            numbers = {k: float(v) for k, v in table["numbers"].items()}
            if set(commands) != {str(s) for s in CommandName} or set(numbers) != set(NUMBERS):
                raise ValueError
            return cls(commands=commands, numbers=numbers, echo_s=float(table["echo_s"]))
        except (TypeError, KeyError, ValueError):
            raise FormcheckError("_common.toml: [voice_commands] needs echo_s, commands (a threshold for each "
                                 f"of {[str(s) for s in CommandName]}) and numbers (one for each of "
                                 f"{list(NUMBERS)})") from None


class Spotter:
    """pocketsphinx's keyword search over 16 kHz mono 16-bit sound, with two searches: the commands
    alone, or the commands and the numbers (after a pain question)."""

    def __init__(self, rule: SpotterRule) -> None:
        try:
            from pocketsphinx import Decoder, get_model_path
        except ImportError:
            raise FormcheckError(EXTRA_HINT) from None
        self._files = tempfile.TemporaryDirectory(prefix="formcheck-kws-")
        lists = {"commands": rule.commands, "numbers": {**rule.commands, **rule.numbers}}
        model = Path(get_model_path())
        self._decoder = Decoder(hmm=str(model / "en-us" / "en-us"), dict=str(model / "en-us" / "cmudict-en-us.dict"),
                                lm=None, samprate=RATE, loglevel="FATAL")
        for name, phrases in lists.items():
            path = Path(self._files.name) / f"{name}.kws"
            path.write_text("".join(f"{p} /1e{t:g}/\n" for p, t in phrases.items()))
            self._decoder.add_kws(name, str(path))
        self._search = "commands"
        self._decoder.activate_search(self._search)
        self._decoder.start_utt()
        self.fed = 0  # samples fed so far
        self._skipping = False

    def listen_for_numbers(self, on: bool) -> None:
        wanted = "numbers" if on else "commands"
        if wanted != self._search:
            self._decoder.end_utt()
            self._decoder.activate_search(wanted)
            self._search = wanted
            self._decoder.start_utt()

    def feed(self, pcm: bytes) -> str | None:
        """The phrase this piece of sound completed, if any (the search then starts afresh)."""
        self._skipping = False
        self._decoder.process_raw(pcm, False, False)
        self.fed += len(pcm) // 2
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return None
        self._decoder.end_utt()
        self._decoder.start_utt()
        return hyp.hypstr.split("  ")[0].strip()  # two spotted at once: the first

    def skip(self, samples: int) -> None:
        """Sound not listened to (the coach's own voice): the search starts afresh after it (once,
        not at every piece skipped)."""
        self.fed += samples
        if not self._skipping:
            self._decoder.end_utt()
            self._decoder.start_utt()
        self._skipping = True


def sound_file(path: Path) -> Iterator[bytes]:
    """A sound file (any format PyAV reads) as 16 kHz mono 16-bit pieces of CHUNK_S; a missing or
    soundless file is said at once, not when the listening starts."""
    import av

    if not path.is_file():
        raise FormcheckError(f"--mic {path}: no such file")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise FormcheckError(f"--mic {path}: not a sound file ({exc})") from None
    if not container.streams.audio:
        container.close()
        raise FormcheckError(f"--mic {path}: it has no sound")
    return _pieces(container)


def _pieces(container) -> Iterator[bytes]:
    import av

    with container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        pending = b""
        piece = int(RATE * CHUNK_S) * 2
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pending += out.to_ndarray().tobytes()
                while len(pending) >= piece:
                    yield pending[:piece]
                    pending = pending[piece:]
        if pending:
            yield pending


def microphone() -> Iterator[bytes]:
    """The default microphone as 16 kHz mono 16-bit pieces of CHUNK_S; opened at once."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        raise FormcheckError(f"{EXTRA_HINT} ({exc})") from None
    pieces: queue.Queue[bytes] = queue.Queue(maxsize=100)
    try:
        stream = sounddevice.RawInputStream(samplerate=RATE, channels=1, dtype="int16", blocksize=int(RATE * CHUNK_S),
                                            callback=lambda data, *_: pieces.put_nowait(bytes(data)))
    except sounddevice.PortAudioError as exc:
        raise FormcheckError(f"no microphone to listen to ({exc})") from None
    return _recorded(stream, pieces)


def _recorded(stream, pieces: queue.Queue[bytes]) -> Iterator[bytes]:
    with stream:
        while True:
            yield pieces.get()


class Listener:
    """Spots words in `sound` on its own thread, in real time (a file is played at its own pace),
    skipping the sound while `speaking()` says the coach speaks."""

    def __init__(self, sound: Iterator[bytes], rule: SpotterRule, speaking: Callable[[], bool] = lambda: False,
                 *, paced: bool) -> None:
        self.rule, self.speaking, self.paced = rule, speaking, paced
        self._sound = sound
        self._spotter = Spotter(rule)
        self._heard: queue.Queue[Heard] = queue.Queue()
        self._stop = threading.Event()
        self._numbers = threading.Event()
        self.problem: str | None = None
        self.t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True, name="listen")

    def start(self) -> None:
        self.t0 = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def listen_for_numbers(self, on: bool) -> None:
        (self._numbers.set if on else self._numbers.clear)()

    def number(self) -> int | None:
        """A pain number heard since the last look (other words are dropped: a question is on)."""
        return next((h.number for h in self.heard() if h.number is not None), None)

    def heard(self) -> list[Heard]:
        words = []
        while True:
            try:
                words.append(self._heard.get_nowait())
            except queue.Empty:
                return words

    def _run(self) -> None:
        echo_until = 0.0
        try:
            for pcm in self._sound:
                if self._stop.is_set():
                    return
                spotter = self._spotter
                if self.paced:  # a file stands in for the microphone: one piece per CHUNK_S
                    wait = self.t0 + spotter.fed / RATE - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                now = time.monotonic()
                if self.speaking():
                    echo_until = now + self.rule.echo_s
                if now < echo_until:
                    spotter.skip(len(pcm) // 2)
                    continue
                spotter.listen_for_numbers(self._numbers.is_set())
                words = spotter.feed(pcm)
                if words:
                    self._heard.put(Heard(t_s=spotter.fed / RATE, words=words))
        except FormcheckError as exc:
            self.problem = str(exc)


def open_listener(*, listen: bool, mic: Path | None, speaking: Callable[[], bool]) -> Listener | None:
    """The listener the options ask for (`mic`: a sound file for the microphone), not yet started;
    or None."""
    if not listen and mic is None:
        return None
    sound = sound_file(mic) if mic is not None else microphone()
    return Listener(sound, SpotterRule.shared(), speaking, paced=mic is not None)
