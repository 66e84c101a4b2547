// baocao page script: citation links open their source, copy buttons copy the answer with its sources.
// Loaded once into the page head by ui/app.py; everything is delegated from `document`, so it works for
// chat messages and source panels that Gradio renders later.
(() => {
  if (window.__baocaoReady) return;
  window.__baocaoReady = true;

  function openSource(id) {
    const match = /^bc-src-(\d+)-(.+)$/.exec(id);
    if (!match) return false;
    const turn = document.getElementById("bc-turn-" + match[1]);
    if (turn) {
      document.querySelectorAll(".bc-turn").forEach((t) => { t.hidden = t !== turn; });
    }
    const source = document.getElementById(id);
    if (!source) return false;
    source.open = true;
    document.querySelectorAll(".bc-src.bc-active").forEach((s) => s.classList.remove("bc-active"));
    source.classList.add("bc-active");
    source.scrollIntoView({ behavior: "smooth", block: "center" });
    return true;
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (err) { /* fall back below */ }
    // Pages served over plain http on a LAN address have no clipboard API: copy through a selection.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    area.remove();
    return ok;
  }

  document.addEventListener("click", async (event) => {
    const target = event.target;
    if (!target || !target.closest) return;
    const cite = target.closest("a.bc-cite");
    if (cite) {
      const id = (cite.getAttribute("href") || "").replace(/^#/, "");
      event.preventDefault();
      event.stopPropagation();
      openSource(id);
      return;
    }
    const copy = target.closest("button.bc-copy");
    if (copy) {
      event.preventDefault();
      const ok = await copyText(copy.dataset.copy || "");
      const label = copy.dataset.label || copy.textContent;
      copy.dataset.label = label;
      copy.textContent = ok ? "✓ Đã sao chép, có thể dán vào văn bản" : "Không sao chép được: hãy chọn chữ và sao chép bằng tay";
      copy.classList.toggle("bc-copied", ok);
      setTimeout(() => { copy.textContent = label; copy.classList.remove("bc-copied"); }, 2500);
    }
  }, true);
})();
