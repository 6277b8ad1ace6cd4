import { useEffect } from 'react';
import { useStudio } from '../../app/store.js';
import { readFiles } from '../../lib/files.js';
import { importRecordingFiles } from './actions.js';

/** Recording files dropped anywhere on the window are imported into the library. */
export function useFileDrop(): void {
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      // Without preventDefault the browser would open the file instead of dropping it here.
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e) || !e.dataTransfer?.files.length) return;
      e.preventDefault();
      useStudio.getState().setSidePanel('library');
      void readFiles(e.dataTransfer.files).then((files) => importRecordingFiles(files));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
}
