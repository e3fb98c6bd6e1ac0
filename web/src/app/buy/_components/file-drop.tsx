"use client";
/** Drop a file here, or pick one. */
import { useState } from "react";
import { formatBytes } from "../../../lib/format.ts";

export function FileDrop({ file, onFile }: { file: File | undefined; onFile: (file: File) => void }) {
  const [over, setOver] = useState(false);
  return (
    // A label, so a click anywhere in the zone opens the file picker too.
    <label
      className={`dropzone${over ? " active" : ""}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const dropped = e.dataTransfer.files[0];
        if (dropped) onFile(dropped);
      }}
    >
      {file ? (
        <p>
          <b>{file.name}</b> · {formatBytes(file.size)}
        </p>
      ) : (
        <p>Drop a file here</p>
      )}
      <input
        type="file"
        aria-label="file"
        onChange={(e) => {
          const picked = e.target.files?.[0];
          if (picked) onFile(picked);
        }}
      />
    </label>
  );
}
