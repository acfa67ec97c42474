import type { SandboxFile } from "../../../../shared/sandbox.schemas.js";
import { formatByteSize } from "../../components/format-size.js";

type FileView = "image" | "video" | "audio" | "document";

/** Images, videos and audio play in the chat, as the server serves them inline; anything else is a download. */
function fileView(mimeType: string): FileView {
  const type = (mimeType.split(";")[0] ?? "").trim().toLowerCase();
  // SVG may carry scripts: the server sends it as an attachment, so it is not shown as a picture either.
  if (type === "image/svg+xml") return "document";
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  return "document";
}

interface MessageFileProps {
  file: SandboxFile;
  /** When a picture or player has taken its height, so that the chat can stay scrolled to the end. */
  onMediaLoad: () => void;
}

/**
 * What a message carries: a picture (opening full size), a video or audio player (with the file's
 * name to download it, which a player does not show), or a document to download.
 */
export function MessageFile({ file, onMediaLoad }: MessageFileProps) {
  const view = fileView(file.mimeType);
  switch (view) {
    case "image":
      return (
        <a className="message-media" href={file.url} target="_blank" rel="noreferrer">
          <img className="message-image" src={file.url} alt={file.fileName} loading="lazy" onLoad={onMediaLoad} />
        </a>
      );
    case "video":
    case "audio": {
      const player = { src: file.url, controls: true, preload: "metadata", "aria-label": file.fileName, onLoadedMetadata: onMediaLoad };
      return (
        <div className="message-media">
          {view === "video" ? <video className="message-video" {...player} /> : <audio className="message-audio" {...player} />}
          <FileLink file={file} />
        </div>
      );
    }
    case "document":
      return <FileLink file={file} />;
  }
}

/** The file's name and size, as a link that downloads it under that name. */
function FileLink({ file }: { file: SandboxFile }) {
  return (
    <a className="message-file" href={file.url} download={file.fileName}>
      <DocumentIcon />
      <bdi className="message-file-name">{file.fileName}</bdi> <span className="message-file-size">{formatByteSize(file.size)}</span>
    </a>
  );
}

function DocumentIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M6 2.8h8l4.2 4.2v14.2H6z" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
      <path d="M13.6 2.8V7.6h4.6M8.8 12h6.6M8.8 15.2h6.6M8.8 18.4h4.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}
