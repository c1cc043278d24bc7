"""Play a page's <video> as a visitor would (muted, so autoplay rules allow it) and report how it went."""

PLAY = """async (selector) => {
    const video = document.querySelector(selector);
    video.muted = true;
    if (video.readyState < 1) await new Promise((ok, fail) => {
        video.addEventListener("loadedmetadata", ok, {once: true});
        video.addEventListener("error", () => fail(new Error("media error " + video.error.code)), {once: true});
        video.load();
    });
    await video.play();
    await new Promise((ok) => setTimeout(ok, 600));
    return {readyState: video.readyState, duration: video.duration, time: video.currentTime, src: video.currentSrc};
}"""


def play_video(page, selector: str) -> dict:
    """Start the video found by ``selector``; after 0.6 s: its readyState, duration, currentTime and source."""
    return page.evaluate(PLAY, selector)
