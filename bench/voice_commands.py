"""How well the voice commands are recognised, on synthesized speech (the `voice` extra).

    python bench/voice_commands.py [--minutes 10] [--half A|B]

Each command word and pain number is spoken by espeak-ng in several voices, speeds and pitches,
2 s apart, and fed to the spotter as the microphone would hear it: in a quiet room, with room noise
(pink noise and a hum at 10 dB below the speech), and with the coach's own voice talking over it
(the listener skips that sound in use; here it is heard, to show what the spotter makes of it).
Then `--minutes` of other sound (the exercise guide read aloud in other voices, the coach's
sentences, room noise) with no command in it: every word spotted there is a false command.

Prints the recognition rate per word and per condition and the false commands per 10 minutes.
The voices are split in two halves: A to choose the thresholds, B to report them.
"""

from __future__ import annotations

import argparse
import functools
import random
import subprocess
from collections import defaultdict
from pathlib import Path

import av
import numpy as np

from formcheck.analysis.commands import CommandName
from formcheck.coach.listen import NUMBERS, RATE, Spotter, SpotterRule

ROOT = Path(__file__).resolve().parent.parent
VOICES = {"A": ["en-us", "en-gb-scotland", "en-us+f3", "en-gb-x-rp+m4", "en-029+f2"],
          "B": ["en-gb", "en-us-nyc+f4", "en-gb-x-gbcwmd", "en-us+m7", "en-gb+f1"]}
SPEEDS, PITCHES = (130, 170, 210), (35, 50, 70)
CONDITIONS = ("quiet", "room noise", "coach talking")
PIECE = int(RATE * 0.1)


@functools.cache
def speak(text: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """espeak-ng's speech of `text` at 16 kHz, float in -1..1."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    import io

    with av.open(io.BytesIO(wav)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        pcm = [out.to_ndarray().ravel() for f in container.decode(audio=0) for out in resampler.resample(f)]
    speech = np.concatenate(pcm).astype(np.float32) / 32768
    speech.flags.writeable = False  # cached: shared by every caller
    return speech


def room_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n + 1)
    pink = np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.arange(1, len(white) // 2 + 2)), n)
    hum = 0.3 * np.sin(2 * np.pi * 50 * np.arange(n) / RATE)
    noise = pink / (pink.std() + 1e-9) + hum
    return (noise / noise.std()).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x[np.abs(x) > 1e-3] ** 2))) if np.any(np.abs(x) > 1e-3) else 0.0


def spot(track: np.ndarray, spotter: Spotter) -> list[tuple[float, str]]:
    pcm = (np.clip(track, -1, 1) * 32767).astype(np.int16).tobytes()
    found = []
    for i in range(0, len(pcm), PIECE * 2):
        words = spotter.feed(pcm[i:i + PIECE * 2])
        if words:
            found.append((spotter.fed / RATE, words))
    return found


def coach_sentences() -> list[str]:
    return ["Glute bridge. Lie on your back, knees bent, feet flat", "target 10 reps", "1 rep", "2", "3",
            "Lift your hips higher", "rest, next: cat cow, on hands and knees", "hold 5 seconds left",
            "Pain before you start, 0 to 10?", "Well done", "Keep your neck long", "Routine done"]


def recognition(voices: list[str], rule: SpotterRule, rng: np.random.Generator) -> dict:
    words = [str(s) for s in CommandName] + list(NUMBERS)
    coach = np.concatenate([speak(s, "en-us", 175) for s in coach_sentences()])
    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    wrong = 0
    for voice in voices:
        for speed in SPEEDS:
            pitch = PITCHES[rng.integers(len(PITCHES))]
            for condition in CONDITIONS:
                for numbers in (False, True):
                    said = words[len(CommandName):] if numbers else words[:len(CommandName)]
                    gap = np.zeros(int(2.0 * RATE), np.float32)
                    parts, spans, t = [gap], [], len(gap)
                    for w in said:
                        s = speak(w, voice, speed, pitch)
                        s = s * (0.3 / max(np.abs(s).max(), 1e-6))
                        spans.append((w, t / RATE, (t + len(s)) / RATE))
                        parts += [s, gap]
                        t += len(s) + len(gap)
                    track = np.concatenate(parts)
                    level = rms(track)
                    if condition == "room noise":
                        track = track + room_noise(len(track), rng) * level * 10 ** (-10 / 20)
                    elif condition == "coach talking":
                        talk = np.resize(coach, len(track)) * (level / max(rms(coach), 1e-6)) * 10 ** (-6 / 20)
                        track = track + talk
                    spotter = Spotter(rule)
                    spotter.listen_for_numbers(numbers)
                    found = spot(track, spotter)
                    for w, start, end in spans:
                        got = [f for t_s, f in found if start - 0.2 <= t_s <= end + 1.0]
                        hits[(w, condition)][1] += 1
                        hits[(w, condition)][0] += w in got
                    wrong += sum(1 for t_s, f in found  # spotted, but not the word said then
                                 if not any(f == w and s - 0.2 <= t_s <= e + 1.0 for w, s, e in spans))
    return {"hits": hits, "wrong": wrong}


def other_sound(minutes: float, voices: list[str], rule: SpotterRule, rng: np.random.Generator) -> dict:
    guide = (ROOT / "docs" / "back_pain_exercises.txt").read_text().split(".")
    sentences = [s.strip() for s in guide if len(s.split()) > 3] + coach_sentences()
    rng.shuffle(sentences)
    parts, total = [], 0
    i = 0
    while total < minutes * 60 * RATE:
        voice = voices[i % len(voices)]
        s = speak(sentences[i % len(sentences)], voice, int(rng.choice(SPEEDS)), int(rng.choice(PITCHES)))
        parts += [s * 0.3 / max(np.abs(s).max(), 1e-6), np.zeros(int(rng.uniform(0.2, 1.5) * RATE), np.float32)]
        total += len(parts[-1]) + len(parts[-2])
        i += 1
    track = np.concatenate(parts)
    track = track + room_noise(len(track), rng) * rms(track) * 10 ** (-15 / 20)
    found = {}
    for numbers in (False, True):
        spotter = Spotter(rule)
        spotter.listen_for_numbers(numbers)
        found[numbers] = spot(track, spotter)
    return {"seconds": len(track) / RATE, "found": found}


def sweep(thresholds: list[float], voices: list[str], minutes: float) -> None:
    """Per word, recall (all conditions) and false spots in other sound, with every word at each threshold."""
    print(f"{'word':8} " + " ".join(f"{t:>12g}" for t in thresholds))
    cells: dict[str, list[str]] = defaultdict(list)
    for t in thresholds:
        rule = SpotterRule(commands={str(s): t for s in CommandName}, numbers=dict.fromkeys(NUMBERS, t), echo_s=0.4)
        rng = np.random.default_rng(7)
        result = recognition(voices, rule, rng)
        other = other_sound(minutes, voices, rule, rng)
        for w in [str(s) for s in CommandName] + list(NUMBERS):
            k = sum(result["hits"][(w, c)][0] for c in CONDITIONS)
            n = sum(result["hits"][(w, c)][1] for c in CONDITIONS)
            false = sum(f == w for _, f in other["found"][w in NUMBERS])  # each word in its own search
            cells[w].append(f"{k / n:4.0%} f{false:<3}")
        print(f"threshold {t:g} done", flush=True)
    for w, row in cells.items():
        print(f"{w:8} " + " ".join(f"{c:>12}" for c in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--half", choices=["A", "B"], default="B")
    parser.add_argument("--sweep", type=float, nargs="*", help="thresholds to try, every word at each (tuning)")
    args = parser.parse_args()
    rule = SpotterRule.shared()
    if args.sweep:
        return sweep(args.sweep, VOICES[args.half], args.minutes)
    rng = np.random.default_rng(7)
    random.seed(7)
    voices = VOICES[args.half]
    result = recognition(voices, rule, rng)
    print(f"half {args.half}: voices {', '.join(voices)}; speeds {SPEEDS} words a minute")
    print(f"{'word':8} " + " ".join(f"{c:>14}" for c in CONDITIONS))
    totals = defaultdict(lambda: [0, 0])
    for w in [str(s) for s in CommandName] + list(NUMBERS):
        cells = []
        for c in CONDITIONS:
            k, n = result["hits"][(w, c)]
            totals[c][0] += k
            totals[c][1] += n
            cells.append(f"{k:>3}/{n:<3} {k / n:5.0%}")
        print(f"{w:8} " + " ".join(f"{x:>14}" for x in cells))
    print(f"{'all':8} " + " ".join(f"{totals[c][0]:>4}/{totals[c][1]:<3} {totals[c][0] / totals[c][1]:5.0%}"
                                   for c in CONDITIONS))
    print(f"wrong or extra words while commands were said: {result['wrong']}")
    other = other_sound(args.minutes, voices, rule, rng)
    per10 = 600 / other["seconds"]
    for numbers, found in other["found"].items():
        what = "commands and numbers" if numbers else "commands only"
        print(f"other sound, {other['seconds'] / 60:.1f} min, listening for {what}: {len(found)} false "
              f"({len(found) * per10:.1f} per 10 min): {', '.join(f for _, f in found[:12])}")


if __name__ == "__main__":
    main()
