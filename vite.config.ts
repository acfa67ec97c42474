import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const apiServer = "http://localhost:3000";

export default defineConfig({
  root: "web",
  plugins: [react()],
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod places #__PURE__ comments where Rollup cannot use them; dropping them is harmless.
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("/node_modules/zod/")) return;
        warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/api": apiServer,
      "/user-agreement": apiServer,
    },
  },
});
