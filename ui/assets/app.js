() => {
  // A [n] in an answer links to "#src-<turn>-<n>": show that answer's sources and select card n.
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#src-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute("href").slice(1));
    if (!card) return;
    const section = card.closest(".rag-turn");
    document.querySelectorAll(".rag-turn").forEach((s) => { s.hidden = s !== section; });
    document.querySelectorAll(".rag-card.rag-selected").forEach((c) => c.classList.remove("rag-selected"));
    card.classList.add("rag-selected");
    card.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, true);
}
