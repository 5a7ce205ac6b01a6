FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY migrations ./migrations
COPY src ./src
EXPOSE 8080
USER node
CMD ["npm", "start"]
